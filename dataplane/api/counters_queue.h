// Counter list of one worker's queue pair on one port (api::QueueCounters): what the
// worker polled from its RX queue and sent on its TX queue. JSON under
// "worker[i].queues[port]" and, summed, "total.queues[port]"; Prometheus labels port (the
// port's role) and queue (the worker's index). Written by that worker only.
//
// An X-macro list like counters_worker.h (see there): the includer defines
// BULWARK_COUNTER(field, meta...) first.
BULWARK_COUNTER(rx_packets, .json = "rx_packets", .series = "bulwark_queue_rx_packets_total",
                .help = "Packets polled from the worker's RX queue")
BULWARK_COUNTER(rx_bytes, .json = "rx_bytes", .series = "bulwark_queue_rx_bytes_total",
                .help = "Bytes polled from the worker's RX queue")
BULWARK_COUNTER(tx_packets, .json = "tx_packets", .series = "bulwark_queue_tx_packets_total",
                .help = "Packets sent on the worker's TX queue")
BULWARK_COUNTER(tx_bytes, .json = "tx_bytes", .series = "bulwark_queue_tx_bytes_total",
                .help = "Bytes sent on the worker's TX queue")
// TX queue full: freed after the burst.
BULWARK_COUNTER(tx_drops, .json = "tx_drops", .series = "bulwark_queue_tx_drops_total",
                .help = "Packets dropped because the TX queue was full")
