package sheet

import (
	"bytes"
	"io"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// TestRowStreamIsStreamWriter checks that rowStream, however small its
// chunks, gives the bytes one excelize StreamWriter gives for the same rows.
func TestRowStreamIsStreamWriter(t *testing.T) {
	loc := time.FixedZone("X", 3600)
	var rows [][]any
	for r := range 40 {
		rows = append(rows, []any{
			" lead & <trail> ",
			excelize.Cell{StyleID: 3, Value: time.Date(2026, 11, 16, r, 30, 0, 0, time.UTC)},
			float64(r) / 3,
			nil,
			1e21 * float64(r),
			-math.SmallestNonzeroFloat64,
			excelize.Cell{StyleID: 5, Value: time.Date(2026, 3, 29, r%24, 0, 0, 0, loc)},
			"=SUM(A1)",
			r,
		})
	}
	opts := excelize.RowOpts{StyleID: 2}

	// One StreamWriter, its sheetData cut out as rowStream does.
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		t.Fatal(err)
	}
	for i, cells := range rows {
		if err := sw.SetRow("A"+strconv.Itoa(7+i), cells, opts); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	var whole bytes.Buffer
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return onePart{name: "xl/worksheets/sheet1.xml", w: &whole} })
	if err := f.Write(io.Discard); err != nil {
		t.Fatal(err)
	}
	data := whole.Bytes()
	start := bytes.Index(data, []byte("<sheetData>")) + len("<sheetData>")
	end := bytes.LastIndex(data, []byte("</sheetData>"))
	want := data[start:end]
	if !bytes.HasPrefix(want, []byte(`<row r="7"`)) {
		t.Fatalf("reference sheetData starts %.40q", want)
	}

	for _, chunk := range []int{1, 9, 10, 50, 0} {
		var got bytes.Buffer
		rs := &rowStream{w: &got, chunk: chunk}
		for i, cells := range rows {
			if err := rs.setRow(7+i, cells, opts); err != nil {
				t.Fatal(err)
			}
		}
		if err := rs.flush(); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("chunk %d: rows differ from one StreamWriter's\n got %.200q\nwant %.200q", chunk, got.Bytes(), want)
		}
	}
}
