"""A click + rich command line tool."""
import click
from rich.console import Console
from rich.table import Table


@click.group(help="Inventory tool bundled by pybundle.")
@click.version_option("1.0.0", prog_name="inventory")
def cli():
    pass


@cli.command(help="Show a table of COUNT fruits.")
@click.argument("count", type=int)
@click.option("--title", default="Fruits", help="Title of the table.")
def table(count, title):
    console = Console(width=60, color_system=None, force_terminal=False)
    t = Table(title=title)
    t.add_column("n", justify="right")
    t.add_column("fruit")
    t.add_column("square", justify="right")
    fruits = ["apple", "banana", "cherry", "damson", "elder"]
    for i in range(count):
        t.add_row(str(i + 1), fruits[i % len(fruits)], str((i + 1) ** 2))
    console.print(t)
    console.print(f"[bold]total[/bold]: {count} rows")


@cli.command(help="Greet NAME.")
@click.argument("name")
def greet(name):
    click.echo(f"Hello, {name}!")


if __name__ == "__main__":
    cli()
