from ledger_cli.entry import main

main()
