from autocond._cli import main

raise SystemExit(main())
