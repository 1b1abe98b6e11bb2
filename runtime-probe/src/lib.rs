//! Runtime lock-order probe (under construction in this session).
