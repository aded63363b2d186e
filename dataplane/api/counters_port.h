// Counter list of a port (api::PortStats), from rte_eth_stats_get and the link status:
// JSON under "ports[p]", Prometheus label port (the port's role). Written by the main
// lcore about every 100 ms.
//
// An X-macro list like counters_worker.h (see there): the includer defines
// BULWARK_COUNTER(field, meta...) first.
BULWARK_COUNTER(port_id, .json = "port_id", .series = "bulwark_port_id", .type = SeriesType::gauge,
                .help = "DPDK port id of the port")
BULWARK_COUNTER(nb_rx_queues, .json = "rx_queues", .series = "bulwark_port_rx_queues",
                .type = SeriesType::gauge, .help = "RX queues of the port (one per worker)")
BULWARK_COUNTER(nb_tx_queues, .json = "tx_queues", .series = "bulwark_port_tx_queues",
                .type = SeriesType::gauge, .help = "TX queues of the port (one per worker)")
BULWARK_COUNTER(link_up, .json = "link_up", .json_as = JsonAs::boolean,
                .series = "bulwark_port_link_up", .type = SeriesType::gauge,
                .help = "1 if the link is up")
BULWARK_COUNTER(link_speed_mbps, .json = "link_speed_mbps",
                .series = "bulwark_port_link_speed_bits_per_second", .type = SeriesType::gauge,
                .scale = Scale::mega, .help = "Link speed")
BULWARK_COUNTER(hw_rx_packets, .json = "rx_packets", .series = "bulwark_port_rx_packets_total",
                .help = "Packets received by the port")
BULWARK_COUNTER(hw_rx_bytes, .json = "rx_bytes", .series = "bulwark_port_rx_bytes_total",
                .help = "Bytes received by the port")
BULWARK_COUNTER(hw_tx_packets, .json = "tx_packets", .series = "bulwark_port_tx_packets_total",
                .help = "Packets sent by the port")
BULWARK_COUNTER(hw_tx_bytes, .json = "tx_bytes", .series = "bulwark_port_tx_bytes_total",
                .help = "Bytes sent by the port")
// imissed: dropped by the NIC/PMD because no descriptor was free.
BULWARK_COUNTER(rx_missed, .json = "rx_missed", .series = "bulwark_port_rx_missed_total",
                .help = "Packets the NIC dropped for want of a free descriptor")
BULWARK_COUNTER(rx_errors, .json = "rx_errors", .series = "bulwark_port_rx_errors_total",
                .help = "Erroneous packets received")
BULWARK_COUNTER(tx_errors, .json = "tx_errors", .series = "bulwark_port_tx_errors_total",
                .help = "Failed transmissions")
BULWARK_COUNTER(rx_nombuf, .json = "rx_nombuf", .series = "bulwark_port_rx_nombuf_total",
                .help = "Receive failures for want of an mbuf")
