from flask import Blueprint

bp = Blueprint("desks", __name__)
