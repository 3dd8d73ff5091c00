//! IEC 61850-9-2 sampled values end to end over veth pairs: our publisher and subscriber,
//! tshark's dissector, and libiec61850 (the peers in `peers/`) in both directions.

mod nodes;
