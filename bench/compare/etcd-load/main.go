// etcd-load: a closed-loop load generator for etcd's v3 gRPC API, used by bench/compare.sh.
//
// It does what etcd's own `benchmark put` / `benchmark range --consistency=l` do (that tool is
// not packaged by Debian): N clients spread over M gRPC connections (clientv3, the client
// etcd's tool uses), each client issuing one request at a time, a new one as soon as the
// previous answered. Unlike etcd's tool it runs for a fixed time instead of a fixed count,
// uses keys from a bounded key space (like redis-benchmark -r) and prints one CSV line in
// redis-benchmark's --csv format, so compare.sh parses both alike:
//
//	"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms",...
//	"PUT","8512.33","7.512","1.020","7.100","11.9","14.2","40.1"
//
// Latency is measured per request, from just before the call to just after its answer.
// Built by bench/compare/build-etcd-load.sh from Debian's golang-etcd-server-dev (GOPATH mode,
// offline).
package main

import (
	"context"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.etcd.io/etcd/clientv3"
)

type options struct {
	endpoints   []string
	op          string
	clients     int
	conns       int
	seconds     float64
	keySize     int
	valSize     int
	keySpace    int
	consistency string
}

func parseFlags() options {
	var o options
	var endpoints string
	flag.StringVar(&endpoints, "endpoints", "127.0.0.1:2379", "comma-separated gRPC endpoints")
	flag.StringVar(&o.op, "op", "put", "put | get")
	flag.IntVar(&o.clients, "clients", 1, "concurrent clients (one request in flight each)")
	flag.IntVar(&o.conns, "conns", 0, "gRPC connections shared by the clients (0: one per client)")
	flag.Float64Var(&o.seconds, "seconds", 4, "measured duration")
	flag.IntVar(&o.keySize, "key-size", 16, "key size in bytes (zero-padded key:<n>)")
	flag.IntVar(&o.valSize, "val-size", 100, "value size in bytes")
	flag.IntVar(&o.keySpace, "key-space", 100000, "keys are drawn uniformly from this many")
	flag.StringVar(&o.consistency, "consistency", "l", "get: l (linearizable) or s (serializable)")
	flag.Parse()
	o.endpoints = strings.Split(endpoints, ",")
	if o.conns <= 0 || o.conns > o.clients {
		o.conns = o.clients
	}
	if o.clients < 1 || o.keySpace < 1 || o.keySize < 8 || o.seconds <= 0 {
		fmt.Fprintln(os.Stderr, "etcd-load: bad arguments")
		os.Exit(2)
	}
	if o.op != "put" && o.op != "get" {
		fmt.Fprintf(os.Stderr, "etcd-load: unknown op %q\n", o.op)
		os.Exit(2)
	}
	return o
}

// key returns "key:" followed by n zero-padded to keySize bytes, like redis-benchmark's
// key:__rand_int__ (16 bytes by default).
func key(n, keySize int) string {
	return fmt.Sprintf("key:%0*d", keySize-4, n)
}

func dial(o options) []*clientv3.Client {
	conns := make([]*clientv3.Client, o.conns)
	for i := range conns {
		c, err := clientv3.New(clientv3.Config{
			Endpoints:   o.endpoints,
			DialTimeout: 5 * time.Second,
		})
		if err != nil {
			fmt.Fprintf(os.Stderr, "etcd-load: dial: %v\n", err)
			os.Exit(1)
		}
		conns[i] = c
	}
	return conns
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(p * float64(len(sorted)))
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return sorted[i]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func main() {
	o := parseFlags()
	conns := dial(o)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	value := strings.Repeat("x", o.valSize)

	// Every request times out after 10 s so that a dead cluster ends the run.
	do := func(c *clientv3.Client, k string, put bool) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var err error
		if put {
			_, err = c.Put(ctx, k, value)
		} else if o.consistency == "s" {
			_, err = c.Get(ctx, k, clientv3.WithSerializable())
		} else {
			_, err = c.Get(ctx, k)
		}
		return err
	}

	lat := make([][]time.Duration, o.clients)
	var errors int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(time.Duration(o.seconds * float64(time.Second)))
	var lastEnd int64 // unix nanoseconds of the latest completed request
	for i := 0; i < o.clients; i++ {
		wg.Add(1)
		go func(i int, c *clientv3.Client) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(i) + time.Now().UnixNano()))
			mine := make([]time.Duration, 0, 1024)
			var end time.Time
			for {
				k := key(rng.Intn(o.keySpace), o.keySize)
				st := time.Now()
				if !st.Before(deadline) {
					break
				}
				err := do(c, k, o.op == "put")
				end = time.Now()
				if err != nil {
					if atomic.AddInt64(&errors, 1) == 1 {
						firstErr.Store(err.Error())
					}
					continue
				}
				mine = append(mine, end.Sub(st))
			}
			lat[i] = mine
			for {
				cur := atomic.LoadInt64(&lastEnd)
				if end.UnixNano() <= cur ||
					atomic.CompareAndSwapInt64(&lastEnd, cur, end.UnixNano()) {
					break
				}
			}
		}(i, conns[i%len(conns)])
	}
	wg.Wait()

	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	if errors > 0 {
		fmt.Fprintf(os.Stderr, "etcd-load: %d requests failed, first: %v\n", errors, firstErr.Load())
	}
	if len(all) == 0 {
		fmt.Fprintln(os.Stderr, "etcd-load: no request succeeded")
		os.Exit(1)
	}
	sort.Slice(all, func(a, b int) bool { return all[a] < all[b] })
	var sum time.Duration
	for _, d := range all {
		sum += d
	}
	elapsed := time.Duration(lastEnd - start.UnixNano())
	name := map[string]string{"put": "PUT", "get": "GET"}[o.op]
	fmt.Println(`"test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms",` +
		`"p95_latency_ms","p99_latency_ms","max_latency_ms"`)
	fmt.Printf("\"%s\",\"%.2f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\",\"%.3f\"\n",
		name, float64(len(all))/elapsed.Seconds(), ms(sum/time.Duration(len(all))),
		ms(all[0]), ms(percentile(all, 0.50)), ms(percentile(all, 0.95)),
		ms(percentile(all, 0.99)), ms(all[len(all)-1]))
	if errors > int64(len(all))/100 {
		os.Exit(1) // more than 1% failed: the figures above are not trustworthy
	}
}
