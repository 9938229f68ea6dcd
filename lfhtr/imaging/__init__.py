"""Reading real word images and their labels."""
