package kinstatest

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"syscall"
)

// Client returns an HTTP client whose requests are served by s in-process,
// with no network: any host works, e.g. "http://kinsta.demo/v2". It is what
// `report -demo` uses.
func (s *Server) Client() *http.Client {
	return &http.Client{Transport: s.Transport()}
}

// Transport returns an http.RoundTripper that serves every request with s
// in-process. A request whose context ends (during Latency, say) fails with
// the context's error, as a real transport's would.
func (s *Server) Transport() http.RoundTripper { return transport{s} }

type transport struct{ s *Server }

func (t transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	ctx := req.Context()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	in := req.Clone(ctx)
	in.RequestURI = req.URL.RequestURI()
	in.Body = http.NoBody
	rec := &recorder{header: http.Header{}}
	t.s.ServeHTTP(rec, in)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if rec.dropped {
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	}
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	h := rec.header.Clone()
	h.Set("Content-Length", strconv.Itoa(rec.body.Len()))
	return &http.Response{
		Status:        strconv.Itoa(rec.status) + " " + http.StatusText(rec.status),
		StatusCode:    rec.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        h,
		Body:          io.NopCloser(bytes.NewReader(rec.body.Bytes())),
		ContentLength: int64(rec.body.Len()),
		Request:       req,
	}, nil
}

// recorder is a minimal http.ResponseWriter (httptest stays out of the
// report binary).
type recorder struct {
	header  http.Header
	status  int
	body    bytes.Buffer
	dropped bool
}

func (r *recorder) drop() { r.dropped = true }

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}
