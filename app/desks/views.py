"""Desk management (administrators)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app.accounts.access import admin_required
from app.desks import services
from app.desks.forms import DeskForm
from app.errors import DomainError
from app.extensions import db
from app.i18n import _
from app.web import show_errors

bp = Blueprint("desks", __name__)


# --- Desk management (admins) --------------------------------------------------------------------------


@bp.get("/dashboard/desks")
@admin_required
def desks():
    return render_template("desks/desks.html", desks=services.all_desks())


@bp.route("/dashboard/desks/new", methods=["GET", "POST"])
@bp.route("/dashboard/desks/<int:desk_id>", methods=["GET", "POST"])
@admin_required
def edit_desk(desk_id: int | None = None):
    desk = None
    if desk_id is not None:
        desk = services.get_desk(desk_id) or abort(404)
    form = DeskForm(obj=desk)
    if request.method == "GET" and desk is not None:
        form.countries.data = desk.countries
    if form.validate_on_submit():
        try:
            saved = services.save_desk(
                name=form.name.data,
                city=form.city.data or "",
                countries=form.countries.data or [],
                is_german=form.is_german.data,
                is_default=form.is_default.data,
                desk=desk,
            )
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Saved %(name)s.", name=saved.name), "success")
            return redirect(url_for("desks.desks"))
    status = 400 if request.method == "POST" else 200
    return render_template("desks/desk_form.html", form=form, desk=desk), status
