#!/bin/sh
# Start Chromium full-screen on the kiosk page. Used by bhtn-kiosk.service.
# Settings (environment, or /etc/default/bhtn-kiosk):
#   KIOSK_URL      address of the kiosk page, e.g. https://khaosat.example.gov.vn/kiosk/
#   KIOSK_PROFILE  Chromium profile folder; it holds the pairing and the offline queue
#   CHROMIUM       the browser (default: chromium, else chromium-browser)
set -eu

KIOSK_URL="${KIOSK_URL:-http://127.0.0.1:5000/kiosk/}"
KIOSK_PROFILE="${KIOSK_PROFILE:-$HOME/.config/bhtn-kiosk}"
CHROMIUM="${CHROMIUM:-$(command -v chromium || command -v chromium-browser)}"
ORIGIN="$(printf '%s' "$KIOSK_URL" | sed -E 's#^(https?://[^/]+).*#\1#')"

mkdir -p "$KIOSK_PROFILE"
# A crash must not leave a "restore pages?" bar on the screen.
sed -i 's/"exited_cleanly":false/"exited_cleanly":true/; s/"exit_type":"Crashed"/"exit_type":"Normal"/' \
    "$KIOSK_PROFILE/Default/Preferences" 2>/dev/null || true

set -- --kiosk --no-first-run --noerrdialogs --disable-infobars --disable-translate \
    --disable-pinch --overscroll-history-navigation=0 --disable-features=TranslateUI \
    --check-for-update-interval=31536000 --user-data-dir="$KIOSK_PROFILE"
case "$ORIGIN" in
    # Service workers and the offline queue need a secure origin; plain http on the LAN
    # must be declared trusted explicitly.
    http://127.0.0.1*|http://localhost*|https://*) ;;
    http://*) set -- "$@" --unsafely-treat-insecure-origin-as-secure="$ORIGIN" ;;
esac
exec "$CHROMIUM" "$@" "$KIOSK_URL"
