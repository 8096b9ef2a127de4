"""The Python peer of Portdesk's inventory export: openpyxl in write-only mode (what the
portal Portdesk replaces uses), on the same rows. Prints the seconds the export took."""
import datetime
import sys
import tempfile
import time

from openpyxl import Workbook
from openpyxl.styles import Font


def main(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            c = line.rstrip("\n").split("\t")
            rows.append(c)
    start = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Inventory")
    ws.freeze_panes = "A2"
    header = ["Part", "Description", "Bin", "Lot", "On hand", "Allocated", "Available", "Unit", "Last received", "Value"]
    ws.append(header)
    for c in rows:
        received = datetime.date.fromisoformat(c[8]) if c[8] else None
        ws.append([c[0], c[1], c[2], c[3], float(c[4]), float(c[5]), float(c[6]), c[7], received, float(c[9])])
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as out:
        wb.save(out.name)
    print(time.perf_counter() - start)


if __name__ == "__main__":
    main(sys.argv[1])
