//! Unit tests of the double, per concern (handler called directly, no sockets).
