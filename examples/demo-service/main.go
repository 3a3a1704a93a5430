// Command demo-service is the HTTP service tug rolls out in its examples and tests. It serves
// `/` (the application), `/healthz` (for health checks) and `/metrics` (Prometheus text format),
// and labels its metrics with the version injected at build time, so Prometheus analysis can
// compare the new release against the old one.
//
// A bad release is made at build time, not at run time, exactly as a real regression would ship:
//
//	go build -ldflags "-X main.version=1.1.0 -X main.failureRate=0.3 -X main.extraLatency=900ms"
//
// failureRate is the fraction of `/` requests answered with HTTP 500 (spread evenly and
// deterministically: with 0.3, 3 requests in every 10 fail), extraLatency is added to every `/`
// request. /healthz is never affected, so a bad release passes its health checks and only
// metric analysis can catch it. A release that fails its health checks is built with
// `-X main.unhealthy=true`: /healthz then answers HTTP 503.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Set at build time by the linker (-ldflags "-X main.name=value"); the linker sets strings only.
var (
	version      string
	commit       string
	date         string
	failureRate  string // fraction of `/` requests that fail, 0..1 (e.g. "0.3")
	extraLatency string // Go duration added to every `/` request (e.g. "900ms")
	unhealthy    string // "true": /healthz answers 503 (a release that fails its health check)
)

// behaviour is the parsed build-time configuration.
type behaviour struct {
	version      string
	failureRate  float64
	extraLatency time.Duration
	unhealthy    bool
}

func parseBehaviour() (behaviour, error) {
	b := behaviour{version: version}
	if b.version == "" {
		b.version = "dev"
	}
	if failureRate != "" {
		r, err := strconv.ParseFloat(failureRate, 64)
		if err != nil || r < 0 || r > 1 || math.IsNaN(r) {
			return b, fmt.Errorf("main.failureRate=%q: want a number between 0 and 1", failureRate)
		}
		b.failureRate = r
	}
	if extraLatency != "" {
		d, err := time.ParseDuration(extraLatency)
		if err != nil || d < 0 {
			return b, fmt.Errorf("main.extraLatency=%q: want a Go duration such as 900ms", extraLatency)
		}
		b.extraLatency = d
	}
	switch unhealthy {
	case "", "false":
	case "true":
		b.unhealthy = true
	default:
		return b, fmt.Errorf("main.unhealthy=%q: want true or false", unhealthy)
	}
	return b, nil
}

// Histogram bucket upper bounds in seconds (the Prometheus client defaults).
var buckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// metrics holds the counters served on /metrics. Only application requests (everything except
// /healthz and /metrics) are counted, so health checks do not dilute the error ratio.
type metrics struct {
	mu       sync.Mutex
	requests map[int]uint64 // by status code
	counts   []uint64       // per bucket (not cumulative), len(buckets)+1 for +Inf
	sum      float64
	total    uint64
	served   uint64 // application requests seen, drives the deterministic failures
}

func newMetrics() *metrics {
	// 200 and 500 exist from the start (at 0), so an error-ratio query returns 0 for a healthy
	// release instead of an empty result.
	return &metrics{requests: map[int]uint64{200: 0, 500: 0}, counts: make([]uint64, len(buckets)+1)}
}

// next returns the 1-based sequence number of a new application request.
func (m *metrics) next() uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.served++
	return m.served
}

func (m *metrics) observe(code int, d time.Duration) {
	s := d.Seconds()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[code]++
	i := 0
	for i < len(buckets) && s > buckets[i] {
		i++
	}
	m.counts[i]++
	m.sum += s
	m.total++
}

func (m *metrics) write(w http.ResponseWriter, b behaviour, started time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := escapeLabel(b.version)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	fmt.Fprintf(w, "# HELP http_requests_total Application HTTP requests by status code.\n")
	fmt.Fprintf(w, "# TYPE http_requests_total counter\n")
	codes := make([]int, 0, len(m.requests))
	for c := range m.requests {
		codes = append(codes, c)
	}
	sortInts(codes)
	for _, c := range codes {
		fmt.Fprintf(w, "http_requests_total{code=\"%d\",version=\"%s\"} %d\n", c, v, m.requests[c])
	}
	fmt.Fprintf(w, "# HELP http_request_duration_seconds Application HTTP request latency.\n")
	fmt.Fprintf(w, "# TYPE http_request_duration_seconds histogram\n")
	var cumulative uint64
	for i, le := range buckets {
		cumulative += m.counts[i]
		fmt.Fprintf(w, "http_request_duration_seconds_bucket{version=\"%s\",le=\"%s\"} %d\n",
			v, strconv.FormatFloat(le, 'g', -1, 64), cumulative)
	}
	cumulative += m.counts[len(buckets)]
	fmt.Fprintf(w, "http_request_duration_seconds_bucket{version=\"%s\",le=\"+Inf\"} %d\n", v, cumulative)
	fmt.Fprintf(w, "http_request_duration_seconds_sum{version=\"%s\"} %s\n", v, strconv.FormatFloat(m.sum, 'g', -1, 64))
	fmt.Fprintf(w, "http_request_duration_seconds_count{version=\"%s\"} %d\n", v, m.total)
	fmt.Fprintf(w, "# HELP demo_build_info Build information; always 1.\n")
	fmt.Fprintf(w, "# TYPE demo_build_info gauge\n")
	fmt.Fprintf(w, "demo_build_info{version=\"%s\",commit=\"%s\"} 1\n", v, escapeLabel(commit))
	fmt.Fprintf(w, "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n")
	fmt.Fprintf(w, "# TYPE process_start_time_seconds gauge\n")
	fmt.Fprintf(w, "process_start_time_seconds %d\n", started.Unix())
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

func escapeLabel(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// fails reports whether application request number n (1-based) should fail: the failures are
// spread evenly so that exactly floor(n*rate) of the first n requests fail.
func fails(n uint64, rate float64) bool {
	return math.Floor(float64(n)*rate) > math.Floor(float64(n-1)*rate)
}

type recorder struct {
	http.ResponseWriter
	code int
}

func (r *recorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

func newMux(b behaviour, m *metrics, started time.Time) *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if b.unhealthy {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "{\"status\":\"unhealthy\",\"version\":%q}\n", b.version)
			return
		}
		fmt.Fprintf(w, "{\"status\":\"ok\",\"version\":%q}\n", b.version)
	})
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		m.write(w, b, started)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		begin := time.Now()
		rec := &recorder{ResponseWriter: w, code: http.StatusOK}
		n := m.next()
		if b.extraLatency > 0 {
			time.Sleep(b.extraLatency)
		}
		switch {
		case r.URL.Path != "/":
			http.NotFound(rec, r)
		case b.failureRate > 0 && fails(n, b.failureRate):
			http.Error(rec, "internal error (injected by main.failureRate)", http.StatusInternalServerError)
		default:
			fmt.Fprintf(rec, "hello from demo-service %s\n", b.version)
		}
		m.observe(rec.code, time.Since(begin))
	})
	return mux
}

// listenAddress picks the address: the -addr flag, else $ADDR, else :$PORT, else 127.0.0.1:8080.
func listenAddress(flagAddr string) string {
	if flagAddr != "" {
		return flagAddr
	}
	if a := os.Getenv("ADDR"); a != "" {
		return a
	}
	if p := os.Getenv("PORT"); p != "" {
		return ":" + p
	}
	return "127.0.0.1:8080"
}

// writePidfile writes the pid through a temporary file and a rename, so readers never see a
// partial file.
func writePidfile(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".pidfile-*")
	if err != nil {
		return err
	}
	_, werr := fmt.Fprintf(tmp, "%d\n", os.Getpid())
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
	}
	return werr
}

func main() {
	addrFlag := flag.String("addr", "", "listen address (default $ADDR, else :$PORT, else 127.0.0.1:8080)")
	pidfile := flag.String("pidfile", "", "write the process id to this file once listening")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()

	b, err := parseBehaviour()
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo-service: bad build:", err)
		os.Exit(2)
	}
	if *showVersion {
		fmt.Printf("demo-service %s (commit %s, built %s)\n", b.version, commit, date)
		return
	}

	ln, err := net.Listen("tcp", listenAddress(*addrFlag))
	if err != nil {
		fmt.Fprintln(os.Stderr, "demo-service:", err)
		os.Exit(1)
	}
	if *pidfile != "" {
		if err := writePidfile(*pidfile); err != nil {
			fmt.Fprintln(os.Stderr, "demo-service: write pidfile:", err)
			os.Exit(1)
		}
		defer os.Remove(*pidfile)
	}
	started := time.Now()
	srv := &http.Server{Handler: newMux(b, newMetrics(), started), ReadHeaderTimeout: 10 * time.Second}
	log.SetFlags(0)
	log.SetPrefix("demo-service: ")
	log.Printf("version %s listening on %s (failure rate %g, extra latency %s)",
		b.version, ln.Addr(), b.failureRate, b.extraLatency)

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, os.Interrupt, syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case sig := <-stop:
		log.Printf("received %s, shutting down", sig)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	case err := <-done:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Print(err)
			if *pidfile != "" {
				os.Remove(*pidfile)
			}
			os.Exit(1)
		}
	}
}
