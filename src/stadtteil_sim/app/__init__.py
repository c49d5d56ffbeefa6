"""The live workshop dashboard (Mesa SolaraViz) and what it shares with ``stadtteil-sim animate``.

An upper layer: it builds models through ``StadtteilModel`` / ``load_scenario`` and only reads
their state; nothing below (scenario, rng, population, network, state, processes, indicators,
model) imports it. Importing this package does not import solara: ``assets`` must be able to set
solara's environment first.
"""
