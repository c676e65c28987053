import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import refresh
from flask_login import current_user, login_required, login_user, logout_user

from app.accounts import remember, services
from app.accounts.access import admin_required
from app.accounts.forms import AccountForm, CoordinatorForm, LoginForm
from app.accounts.models import Coordinator
from app.accounts.throttle import LoginThrottle
from app.desks.models import Desk
from app.errors import DomainError
from app.extensions import db
from app.forms import choices
from app.i18n import _
from app.web import safe_next, show_errors

bp = Blueprint("accounts", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        throttle = LoginThrottle(request.remote_addr or "", form.email.data.strip().lower())
        if throttle.must_wait():
            abort(429)
        under_attack = throttle.account_under_attack()
        coordinator = services.authenticate(form.email.data, form.password.data)
        if coordinator is not None:
            login_user(coordinator)
            if form.remember.data:
                remember.remember(coordinator)
                db.session.commit()
            return redirect(safe_next(request.args.get("next"), url_for("dashboard.index")))
        throttle.record_failure()
        if under_attack:
            abort(429)
        form.password.errors.append(_("That email and password do not match an active coordinator account."))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    # Every session of the account ends, on every device, and every remember token with it.
    services.end_all_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    remember.forget()
    flash(_("You are logged out."), "success")
    return redirect(url_for("events.home"))


@bp.get("/dashboard/coordinators")
@admin_required
def coordinators():
    people = db.session.scalars(sa.select(Coordinator).order_by(Coordinator.name)).all()
    return render_template("accounts/coordinators.html", coordinators=people)


@bp.route("/dashboard/coordinators/new", methods=["GET", "POST"])
@bp.route("/dashboard/coordinators/<int:coordinator_id>", methods=["GET", "POST"])
@admin_required
def edit_coordinator(coordinator_id: int | None = None):
    coordinator = None
    if coordinator_id is not None:
        coordinator = db.session.get(Coordinator, coordinator_id) or abort(404)
    form = CoordinatorForm(obj=coordinator)
    desks = db.session.scalars(sa.select(Desk).order_by(Desk.name)).all()
    form.desks.choices = choices((d.id, d.name) for d in desks)
    if request.method == "GET":
        if coordinator is not None:
            form.desks.data = [d.id for d in coordinator.desks]
            form.admin.data = coordinator.is_admin
        else:
            form.active.data = True
    if form.validate_on_submit():
        chosen = [d for d in desks if d.id in set(form.desks.data or [])]
        try:
            saved = services.save_coordinator(
                email=form.email.data,
                name=form.name.data,
                position=form.position.data or "",
                desks=chosen,
                admin=form.admin.data,
                active=form.active.data,
                password=form.password.data or None,
                coordinator=coordinator,
            )
        except DomainError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            db.session.commit()
            if saved.id == current_user.id:
                # A new password ended every session of the account; this one goes on with the new token.
                login_user(saved)
            flash(_("Saved %(name)s.", name=saved.name), "success")
            return redirect(url_for("accounts.coordinators"))
    return render_template("accounts/coordinator_form.html", form=form, coordinator=coordinator)


@bp.route("/dashboard/account", methods=["GET", "POST"])
@login_required
def account():
    """The signed-in coordinator's own settings: the language they work in."""
    form = AccountForm(obj=current_user)
    if form.validate_on_submit():
        services.set_language(current_user, form.language.data)
        db.session.commit()
        refresh()
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("accounts.account"))
    return render_template("accounts/account.html", form=form)
