from flask import Blueprint

bp = Blueprint("registrations_admin", __name__)
