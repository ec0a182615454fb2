"""The kiosk's interface strings, taken from the Babel catalogs for each language.

The client is static JavaScript and cannot call Babel, so the server sends it every
string in both languages; ``{n}``-style placeholders are filled in by the client.
"""
from __future__ import annotations

from flask_babel import force_locale, gettext as _


def ui_strings() -> dict[str, str]:
    """Every string the kiosk shows, in the current locale."""
    return {
        "attract_heading": _("How satisfied are you with our service today?"),
        "attract_lead": _("Please take less than a minute to rate it. Your answers are "
                          "anonymous."),
        "start": _("Touch here to start"),
        "progress": _("Question %(n)s of %(total)s", n="{n}", total="{total}"),
        "scale_1": _("Very dissatisfied"),
        "scale_2": _("Dissatisfied"),
        "scale_3": _("Neutral"),
        "scale_4": _("Satisfied"),
        "scale_5": _("Very satisfied"),
        "not_applicable": _("I did not experience this"),
        "yes": _("Yes"),
        "no": _("No"),
        "trips_1": _("Once"),
        "trips_2": _("2 times"),
        "trips_3": _("3 times"),
        "trips_4": _("4 times or more"),
        "dont_remember": _("I do not remember"),
        "no_need": _("I did not need it"),
        "coverage_heading": _("About the support you may have asked for"),
        "facts_heading": _("Please tell us a little more"),
        "next": _("Next"),
        "back": _("Back"),
        "service_heading": _("Which service did you use today?"),
        "reasons_heading": _("What should we improve? Touch all that apply."),
        "send": _("Send"),
        "skip": _("Skip"),
        "thanks_heading": _("Thank you!"),
        "thanks_lead": _("Your rating has been recorded. It helps us serve you better."),
        "idle_heading": _("Are you still there?"),
        "idle_lead": _("To protect your privacy, the screen will go back to the start in "
                       "%(s)s seconds.", s="{s}"),
        "continue": _("I am still answering"),
        "language": _("Language"),
        "queue": _("Waiting to send: %(n)s", n="{n}"),
        "set_aside": _("Refused by the server: %(n)s", n="{n}"),
        "unsaved": _("Not saved on this device, do not reload: %(n)s", n="{n}"),
        "offline": _("Offline"),
        "pair_heading": _("Set up this kiosk"),
        "pair_lead": _("Enter the pairing code given by the IT officer."),
        "pair_label": _("Pairing code"),
        "pair_button": _("Pair this kiosk"),
        "pair_clear": _("Clear"),
        "pair_delete": _("Delete the last digit"),
        "pair_network": _("The server cannot be reached. Check the network and try again."),
        "pair_revoked": _("This kiosk was revoked. Ask the IT officer for a new pairing code."),
        "unavailable": _("The survey is not available yet. Please ask the staff."),
    }


def all_strings(languages) -> dict[str, dict[str, str]]:
    """``{"vi": {...}, "en": {...}}`` for the configured languages."""
    result = {}
    for language in languages:
        with force_locale(language):
            result[language] = ui_strings()
    return result
