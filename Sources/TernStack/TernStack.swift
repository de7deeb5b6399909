// The protocol engine: interface, ARP, IPv4, ICMP, UDP and TCP. Under construction.
