"""HTTP views, by audience: delegates (phones), the projector display, the facilitator console."""
