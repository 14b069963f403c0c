"""The member's "Your data" page and the download of everything kept about her.

The download is a POST (it is never prefetched, nor left in a shared cache or the history):
the same data as JSON, or as a ZIP of CSV files, marked `no-store`.
"""

import tempfile

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from members import export_formats
from members.data_export import member_data
from members.decorators import member_required

FORMATS = ("json", "csv")
# Above this the ZIP archive is spooled to a temporary file rather than kept in memory.
IN_MEMORY_BYTES = 1024 * 1024


@require_GET
@member_required
def your_data(request: HttpRequest) -> HttpResponse:
    return render(request, "members/your_data.html", {"formats": FORMATS})


@require_POST
@member_required
def download_data(request: HttpRequest) -> HttpResponse:
    chosen = request.POST.get("format")
    if chosen not in FORMATS:
        messages.error(request, "Choose JSON or CSV for your download.")
        return redirect("members:your_data")
    data = member_data(request.member, timezone.now())
    if chosen == "json":
        response = StreamingHttpResponse(
            export_formats.json_chunks(data), content_type=export_formats.JSON_TYPE
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{export_formats.filename(data, "json")}"'
        )
    else:
        # Not a `with` block: FileResponse closes (and so deletes) it once it is sent.
        archive = tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # noqa: SIM115
        export_formats.write_csv_zip(data, archive)
        archive.seek(0)
        response = FileResponse(
            archive,
            as_attachment=True,
            filename=export_formats.filename(data, "zip"),
            content_type=export_formats.ZIP_TYPE,
        )
    response["Cache-Control"] = "no-store"
    return response
