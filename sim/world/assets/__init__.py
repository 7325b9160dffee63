"""Monitoring assets: drone fleets, ground sensor groups, satellites.

Each asset kind turns its spec into SimPy processes that publish plan pieces
(``sim.world.assets.base.Piece``) to the detection solver, and cut them when the plan
changes (a loss, a failure).
"""
