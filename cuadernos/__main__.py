"""`python -m cuadernos`: regenera los cuadernos desde sus fuentes (`--comprobar`: solo comprueba)."""

import sys

from cuadernos.generar import main

sys.exit(main())
