from stadtteil_sim.cli import main

main()
