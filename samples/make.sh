#!/usr/bin/env bash
# Rebuilds the sample documents from samples/src/ with Ghostscript, a build-time helper only
# (apt-get install ghostscript): the outputs are committed and nothing at run time needs it.
set -euo pipefail
cd "$(dirname "$0")"
command -v gs >/dev/null || { echo "make.sh: needs Ghostscript (apt-get install ghostscript)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

GS=(gs -q -dSAFER -dBATCH -dNOPAUSE)
source_of() { cat src/lines.ps "src/$1.ps"; }
# The referral note is a half letter page, 150 dpi.
HALF_PAGE=(-dDEVICEWIDTHPOINTS=612 -dDEVICEHEIGHTPOINTS=396 -dFIXEDMEDIA -r150)

# (a) three pages with a real text layer
source_of discharge-summary | "${GS[@]}" -sDEVICE=pdfwrite -sOutputFile=discharge-summary.pdf -

# (b) the referral note as a scan: text in pixels only
source_of scanned-referral | "${GS[@]}" -sDEVICE=pnggray "${HALF_PAGE[@]}" -sOutputFile=scanned-referral.png -

# (b') the same scan inside a PDF: one JPEG per page, no text layer (1275 px wide -> 612 pt)
source_of scanned-referral | "${GS[@]}" -sDEVICE=jpeggray -dJPEGQ=80 "${HALF_PAGE[@]}" -sOutputFile="$tmp/scan.jpg" -
"${GS[@]}" --permit-file-read="$tmp/" -sDEVICE=pdfwrite -sOutputFile=scanned-referral.pdf viewjpeg.ps \
  -c "<< /PageSize [612 396] >> setpagedevice 0.48 0.48 scale ($tmp/scan.jpg) viewJPEG showpage"

# (c) a PDF that opens only with a password, which the pipeline does not have
source_of locked-letter | "${GS[@]}" -sDEVICE=pdfwrite -sOwnerPassword=docjobs-owner \
  -sUserPassword=docjobs-sample -dEncryptionR=3 -dKeyLength=128 -sOutputFile=password-protected.pdf -

# (d) twenty pages with a real text layer, one clinic visit each (the pipeline benchmark's document)
source_of long-record | "${GS[@]}" -sDEVICE=pdfwrite -sOutputFile=long-record-20p.pdf -

ls -l discharge-summary.pdf scanned-referral.png scanned-referral.pdf password-protected.pdf long-record-20p.pdf
