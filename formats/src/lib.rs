//! Wire formats that turn samples into datagrams and back.
