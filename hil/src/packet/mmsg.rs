//! Batched frame I/O on a packet socket with `recvmmsg`/`sendmmsg`: the names this crate
//! uses for [`gridhil_netio::mmsg`], which allocates buffers and message headers once and
//! reads kernel receive timestamps (`SCM_TIMESTAMPNS`), stripped 802.1Q tags
//! (`PACKET_AUXDATA`) and the `sockaddr_ll` packet type (outgoing frames) of each frame.

/// Receive side: create it with `FrameReceiver::with_sources` so that
/// [`ReceivedFrame::is_outgoing`] can tell the frames this host sent apart.
pub use gridhil_netio::mmsg::Receiver as FrameReceiver;

/// One received frame: data, kernel time, stripped 802.1Q TCI, truncation, packet type.
pub use gridhil_netio::mmsg::Received as ReceivedFrame;

/// Send side: `FrameSender::new` sends on the interface the socket is bound to.
pub use gridhil_netio::mmsg::Sender as FrameSender;
