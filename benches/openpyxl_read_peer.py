"""The Python peer of Portdesk's forecast import: openpyxl in read-only mode reading every
value of every sheet of the same .xlsx (no validation). Prints the seconds it took."""
import sys
import time

from openpyxl import load_workbook


def main(path):
    start = time.perf_counter()
    wb = load_workbook(path, read_only=True, data_only=True)
    cells = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            cells += len(row)
    wb.close()
    print(time.perf_counter() - start)
    print(cells, file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
