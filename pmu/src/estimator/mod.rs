//! IEEE C37.118.1 P/M-class synchrophasor estimator and compliance harness.
