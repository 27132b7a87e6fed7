from signage.cli import app

app()
