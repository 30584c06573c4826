//! Target resolution (spec §3): TYPE/NAME, ns/NAME, selectors → the meshed pods behind them, by owner UID.
