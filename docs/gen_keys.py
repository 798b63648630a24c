#!/usr/bin/env python
"""Write docs/keys.md from the key map's tables (embedcon/models/keyref.py).

    python docs/gen_keys.py
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from embedcon.models.keyref import markdown_reference  # noqa: E402

if __name__ == "__main__":
    (HERE / "keys.md").write_text(markdown_reference(), encoding="utf-8")
    print(f"wrote {HERE / 'keys.md'}")
