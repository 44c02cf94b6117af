from ledger_cli.cli import main

main()
