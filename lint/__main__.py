from dify_lint.cli import main

main()
