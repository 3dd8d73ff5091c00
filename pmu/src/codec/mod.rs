//! IEEE C37.118.2-2011 frame codec.
