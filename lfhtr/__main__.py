"""``python -m lfhtr``: also how torchrun starts it (``torchrun --nproc_per_node=N -m lfhtr run …``)."""

from lfhtr.cli import main

main()
