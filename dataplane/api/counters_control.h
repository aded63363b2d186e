// Counter list of the dataplane's control socket (api::ControlInfo), as its control thread
// sees it: JSON under "control", one Prometheus sample each. Written by that thread only.
//
// An X-macro list like counters_worker.h (see there): the includer defines
// BULWARK_COUNTER(field, meta...) first.
BULWARK_COUNTER(connected, .json = "control.connected", .json_as = JsonAs::boolean,
                .series = "bulwark_dataplane_control_connected", .type = SeriesType::gauge,
                .help =
                    "1 while bulwark-control is connected to the dataplane's control socket "
                    "(the dataplane's view)")
BULWARK_COUNTER(connections, .json = "control.connections",
                .series = "bulwark_dataplane_control_connections_total",
                .help = "Connections the dataplane's control socket accepted")
// Bundles received over the socket, loaded / refused.
BULWARK_COUNTER(pushes, .json = "control.pushes", .series = "bulwark_dataplane_bundle_pushes_total",
                .label = {"result", "loaded"},
                .help = "Rule bundles received on the dataplane's control socket, by result")
BULWARK_COUNTER(push_failures, .json = "control.push_failures",
                .series = "bulwark_dataplane_bundle_pushes_total", .label = {"result", "refused"})
// Frames that were not valid messages (the connection was closed).
BULWARK_COUNTER(bad_messages, .json = "control.bad_messages",
                .series = "bulwark_dataplane_control_bad_messages_total",
                .help = "Control-socket frames that were not valid messages (connection closed)")
BULWARK_COUNTER(events_sent, .json = "control.events_sent",
                .series = "bulwark_dataplane_events_sent_total",
                .help = "Event lines the dataplane sent to bulwark-control")
// Event lines lost because the queue to bulwark-control was full.
BULWARK_COUNTER(events_dropped, .json = "control.events_dropped",
                .series = "bulwark_events_dropped_total", .label = {"where", "control_link"})
