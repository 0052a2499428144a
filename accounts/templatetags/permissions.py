"""The permission questions a template may ask of the signed-in account, e.g.
`{% load permissions %}` ... `{% if user|can_lock_data %}`. No role names in templates:
who may do what is decided in accounts/permissions.py."""

from __future__ import annotations

from django import template

from accounts import permissions

register = template.Library()

register.filter("can_enter_data", permissions.user_can_enter_data)
register.filter("can_raise_queries", permissions.user_can_raise_queries)
register.filter("can_close_queries", permissions.user_can_close_queries)
register.filter("can_verify_source", permissions.user_can_verify_source)
register.filter("can_review_saes", permissions.user_can_review_saes)
register.filter("can_lock_data", permissions.user_can_lock_data)
register.filter("can_see_arms", permissions.user_can_see_arms)
register.filter("can_view_randomization_sequence", permissions.user_can_view_randomization_sequence)
register.filter("can_view_balance_report", permissions.user_can_view_balance_report)
register.filter("can_unblind_trial", permissions.user_can_unblind_trial)
register.filter("can_recompute_analyses", permissions.user_can_recompute_analyses)
register.filter("can_open_admin", permissions.user_can_open_admin)
register.filter("can_release_lockouts", permissions.user_can_release_lockouts)
register.filter("can_view_consort", permissions.user_can_view_consort)
register.filter("can_view_dmc_open_report", permissions.user_can_view_dmc_open_report)
register.filter("can_list_data_cuts", permissions.user_can_list_data_cuts)
register.filter("can_view_interim_analyses", permissions.user_can_view_interim_analyses)
