from ledger_cli.cli.main import main

main()
