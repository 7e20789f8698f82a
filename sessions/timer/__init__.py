"""The facilitator's timer: a countdown over any step, on every screen."""
