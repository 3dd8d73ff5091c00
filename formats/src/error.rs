//! The error every format returns.
//!
//! Every variant is `Copy` and carries only numbers and `&'static str`: errors are
//! created and counted on real-time threads, where nothing may allocate.

/// Why a datagram could not be decoded or a sample could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The datagram ends before a field or value that its layout requires.
    #[error("datagram truncated: {needed} bytes needed, {got} present")]
    Truncated {
        /// Bytes the layout requires.
        needed: usize,
        /// Bytes present.
        got: usize,
    },
    /// A sample carries fewer values than the node declares signals.
    #[error("{got} values for {declared} declared signals")]
    TooFewValues {
        /// Values (wire words for binary formats) the declared signals need.
        declared: usize,
        /// Values present.
        got: usize,
    },
    /// More values than the format can carry in one message or packet.
    #[error("{got} values exceed the format's limit of {max}")]
    TooManyValues {
        /// The format's limit.
        max: usize,
        /// Values asked for.
        got: usize,
    },
    /// More samples than the format can carry in one datagram.
    #[error("{got} samples exceed the format's limit of {max} per datagram")]
    TooManySamples {
        /// Samples one datagram can carry.
        max: usize,
        /// Samples asked for.
        got: usize,
    },
    /// A binary header field has a value the format does not allow.
    #[error("bad header: {0}")]
    BadHeader(&'static str),
    /// A text datagram does not follow the format's grammar.
    #[error("bad text: {0}")]
    BadText(&'static str),
    /// A value or header field cannot be represented in the format.
    #[error("not representable: {0}")]
    Unrepresentable(&'static str),
    /// The sample pool had no free slot.
    #[error("sample pool exhausted")]
    PoolExhausted,
    /// The output batch had no free place.
    #[error("output batch full")]
    BatchFull,
    /// The pool's samples hold fewer values than the node declares signals.
    #[error("samples hold {capacity} values, {needed} signals declared")]
    SampleCapacity {
        /// Value capacity of a pooled sample.
        capacity: usize,
        /// Declared signals.
        needed: usize,
    },
    /// The output buffer is too small for the encoded datagram.
    #[error("buffer of {got} bytes too small, {needed} bytes suffice")]
    BufferTooSmall {
        /// A size that suffices (exact for binary formats, an upper bound for text).
        needed: usize,
        /// Size of the buffer given.
        got: usize,
    },
}
