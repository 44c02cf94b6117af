"""The domain: money, time, accounts, commands, events, the decider and its state, and the
pure rules of bank statements. It imports nothing of the other layers."""
