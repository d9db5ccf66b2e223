package blob

import (
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Config says how remote targets are read and written. Zero fields take
// the defaults below.
type Config struct {
	// S3PathStyle addresses buckets as https://host/bucket/key rather than
	// https://bucket.host/key: what S3-compatible servers on a plain host
	// name or address need (environment: GOKERCHUNK_S3_PATH_STYLE=1).
	S3PathStyle bool
	// S3Anonymous sends unsigned requests, for public buckets without any
	// AWS credentials (environment: GOKERCHUNK_S3_ANONYMOUS=1).
	S3Anonymous bool
	// Transport carries every HTTP request (http(s):// and S3); nil means
	// Go's default transport for http(s):// and the AWS SDK's for S3. Tests
	// put latency and faults here.
	Transport http.RoundTripper

	// BlockSize is the unit remote reads are cached in.
	BlockSize int64
	// HeadSize is how much of a remote target its open fetches, in the
	// same GET that learns the target's size: HDF5 keeps the superblock
	// and usually most object headers there, so a metadata scan of a small
	// or typical file needs little more. Rounded up to a whole block.
	HeadSize int64
	// CacheSize bounds the cached blocks of a reader from Open; an Opener's
	// readers share one cache of OpenerCacheSize.
	CacheSize       int64
	OpenerCacheSize int64

	// MaxAttempts bounds the attempts of one remote read (the first one
	// included); failed attempts are repeated after RetryBaseDelay,
	// doubling up to RetryMaxDelay, each with random jitter.
	MaxAttempts    int
	RetryBaseDelay time.Duration
	RetryMaxDelay  time.Duration
	// AttemptTimeout bounds one request plus one second per MiB it reads,
	// so that a stalled connection is retried rather than waited on.
	AttemptTimeout time.Duration

	// S3 objects larger than MultipartThreshold are written by a multipart
	// upload in parts of PartSize (S3 wants at least 5 MiB but the last);
	// smaller ones by one PutObject.
	MultipartThreshold int64
	PartSize           int64
	// ListPageSize is the keys asked per ListObjectsV2 page (0: the
	// server's default, 1000 on S3).
	ListPageSize int32
}

// Defaults of the Config fields.
const (
	DefaultBlockSize          = 256 << 10
	DefaultHeadSize           = 1 << 20
	DefaultCacheSize          = 32 << 20
	DefaultOpenerCacheSize    = 256 << 20
	DefaultMaxAttempts        = 8
	DefaultRetryBaseDelay     = 100 * time.Millisecond
	DefaultRetryMaxDelay      = 10 * time.Second
	DefaultAttemptTimeout     = 60 * time.Second
	DefaultMultipartThreshold = 64 << 20
	DefaultPartSize           = 16 << 20
)

// ConfigFromEnv returns the default Config with the settings the
// environment gives (GOKERCHUNK_S3_PATH_STYLE=1, GOKERCHUNK_S3_ANONYMOUS=1).
// Credentials, region and endpoint are the AWS SDK's business: its usual
// environment variables (AWS_REGION, AWS_ENDPOINT_URL_S3, ...) and files.
func ConfigFromEnv() Config {
	return Config{
		S3PathStyle: os.Getenv("GOKERCHUNK_S3_PATH_STYLE") == "1",
		S3Anonymous: os.Getenv("GOKERCHUNK_S3_ANONYMOUS") == "1",
	}
}

func (c Config) withDefaults() Config {
	def := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&c.BlockSize, DefaultBlockSize)
	def(&c.HeadSize, DefaultHeadSize)
	c.HeadSize = (c.HeadSize + c.BlockSize - 1) / c.BlockSize * c.BlockSize
	def(&c.CacheSize, DefaultCacheSize)
	def(&c.OpenerCacheSize, DefaultOpenerCacheSize)
	def(&c.MultipartThreshold, DefaultMultipartThreshold)
	def(&c.PartSize, DefaultPartSize)
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.RetryBaseDelay <= 0 {
		c.RetryBaseDelay = DefaultRetryBaseDelay
	}
	if c.RetryMaxDelay <= 0 {
		c.RetryMaxDelay = DefaultRetryMaxDelay
	}
	if c.AttemptTimeout <= 0 {
		c.AttemptTimeout = DefaultAttemptTimeout
	}
	return c
}

// maxIdleConnsPerHost keeps connections for the concurrent GETs of
// prefetches and workers (Go's default keeps 2 per host and would open new
// ones, with their handshakes, for every round).
const maxIdleConnsPerHost = 64

// Client reads and writes targets by URL with one Config. It is safe for
// concurrent use; its S3 client is made on first use and then shared.
type Client struct {
	cfg  Config
	http *http.Client

	s3once sync.Once
	s3     *s3.Client
	s3err  error
}

// NewClient returns a Client with cfg (zero fields take their defaults).
func NewClient(cfg Config) *Client {
	cfg = cfg.withDefaults()
	t := cfg.Transport
	if t == nil {
		dt := http.DefaultTransport.(*http.Transport).Clone()
		dt.MaxIdleConnsPerHost = maxIdleConnsPerHost
		t = dt
	}
	return &Client{cfg: cfg, http: &http.Client{Transport: t}}
}

// Config returns the client's configuration, defaults filled in.
func (c *Client) Config() Config { return c.cfg }

var defaultClient atomic.Pointer[Client]

// Default returns the Client that the package-level functions use: one
// made from ConfigFromEnv on first use, or the one given to SetDefault.
func Default() *Client {
	if c := defaultClient.Load(); c != nil {
		return c
	}
	defaultClient.CompareAndSwap(nil, NewClient(ConfigFromEnv()))
	return defaultClient.Load()
}

// SetDefault makes c the Client of the package-level functions (the CLI
// does so from its flags).
func SetDefault(c *Client) { defaultClient.Store(c) }
