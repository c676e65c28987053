import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from app.accounts import services
from app.desks.models import Desk
from app.extensions import db


@click.command("create-coordinator")
@click.argument("email")
@click.argument("name")
@click.option("--desk", "desk_names", multiple=True, help="Name of a desk the coordinator works for (repeatable).")
@click.option("--admin", is_flag=True, help="Make the coordinator an administrator.")
@click.option("--position", default="", help="Role shown to participants, e.g. 'Project manager'.")
@click.password_option(help="Password (asked for when not given).")
@with_appcontext
def create_coordinator(email: str, name: str, desk_names: tuple[str, ...], admin: bool, position: str, password: str):
    """Create a coordinator account (or update the one with this email)."""
    desks = []
    for desk_name in desk_names:
        desk = db.session.scalar(sa.select(Desk).where(Desk.name == desk_name))
        if desk is None:
            known = ", ".join(db.session.scalars(sa.select(Desk.name).order_by(Desk.name))) or "none yet"
            raise click.BadParameter(f"no desk named {desk_name!r} (desks: {known})", param_hint="--desk")
        desks.append(desk)
    existing = services.find_coordinator(email)
    try:
        coordinator = services.save_coordinator(
            email=email, name=name, desks=desks, admin=admin, position=position, password=password, coordinator=existing
        )
    except services.AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    role = "admin" if coordinator.is_admin else "coordinator"
    desk_list = ", ".join(d.name for d in coordinator.desks) or "no desk"
    click.echo(f"{'Updated' if existing else 'Created'} {role} {coordinator.email} ({desk_list}).")


COMMANDS = (create_coordinator,)
