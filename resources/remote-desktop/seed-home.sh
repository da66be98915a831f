# remote-desktop step of kfc-seed-home (sourced as NB_USER, `set -euo pipefail` in effect).
# The desktop launchers come from /opt/kfc/home-defaults/Desktop (copied without overwriting).
# The XFCE panel asks on its first start which layout to use; give it Debian's default layout
# unless the user already has a panel configuration.
_kfc_panel="${HOME}/.config/xfce4/xfconf/xfce-perchannel-xml/xfce4-panel.xml"
if [[ ! -e "${_kfc_panel}" && -f /etc/xdg/xfce4/panel/default.xml ]]; then
    mkdir -p "$(dirname "${_kfc_panel}")"
    cp /etc/xdg/xfce4/panel/default.xml "${_kfc_panel}"
fi
unset _kfc_panel
