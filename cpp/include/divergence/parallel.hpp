// A small std::thread pool: ParallelFor over [0, n) in chunks taken from an atomic counter.
//
// - The first exception thrown by any task is kept and rethrown on the calling thread after
//   every worker has stopped; the remaining chunks are skipped.
// - The calling thread does not compute: it waits, waking every `poll` milliseconds to call
//   the optional stop check (the bindings use it to look for Ctrl-C). When the check says
//   stop, workers finish their current chunk and `Interrupted` is thrown.
// - Which thread runs a chunk never changes a result: callers make every output cell the work
//   of exactly one task, reduced in a fixed order.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace divergence {

// Thrown when the stop check asked the work to end (for example on Ctrl-C).
struct Interrupted : std::runtime_error {
    Interrupted() : std::runtime_error("interrupted") {}
};

// Returns true when the running computation should stop. Called only on the calling thread.
using StopCheck = std::function<bool()>;

struct ParallelConfig {
    int n_threads = 1;                // worker threads (>= 1)
    const StopCheck* stop = nullptr;  // optional
    int poll_ms = 100;                // how often the stop check runs
    // Optional: incremented by the number of items of each finished chunk, so the stop check
    // (which runs on the calling thread) can report progress.
    std::atomic<int64_t>* progress = nullptr;
};

// Options of one core call, taken by every area: threads, the stop check and progress. The
// last three fields concern the pairwise matrices only.
struct RunOptions {
    int n_threads = 1;
    const StopCheck* stop = nullptr;
    // Optional progress counter (items done), read by the stop check on the calling thread.
    std::atomic<int64_t>* progress = nullptr;
    // Dense tile edge in rows (0 = default). Any value gives the same bits; tests use it to
    // check that blocking does not change results.
    int64_t block = 0;
    // Compute every row in full instead of the upper triangle plus a mirror pass, so each
    // output row is written once, in order, and never read back (streams to an np.memmap larger
    // than RAM). Same bits as the triangle path.
    bool full_rows = false;
    // When X is a row block of a self-matrix starting at this row: where the zero diagonal is.
    int64_t row_offset = 0;
};

// Runs body(begin, end, worker_id) over chunks of [0, n). worker_id is in [0, n_threads) and
// lets callers keep per-thread scratch space. Chunks are handed out in increasing order.
template <class Body>
void parallel_for(int64_t n, int64_t chunk, const ParallelConfig& cfg, Body&& body) {
    if (n <= 0) return;
    chunk = std::max<int64_t>(1, chunk);
    const int64_t n_chunks = (n + chunk - 1) / chunk;
    const int n_threads =
        static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(cfg.n_threads, n_chunks)));

    // Small, serial work without a stop check: run inline, no thread at all.
    if (n_threads == 1 && cfg.stop == nullptr) {
        for (int64_t c = 0; c < n_chunks; ++c) {
            body(c * chunk, std::min(n, (c + 1) * chunk), 0);
        }
        return;
    }

    std::atomic<int64_t> next{0};
    std::atomic<bool> cancel{false};
    std::exception_ptr first_error;
    std::mutex mu;
    std::condition_variable cv;
    int running = n_threads;

    auto worker = [&](int id) {
        try {
            while (!cancel.load(std::memory_order_relaxed)) {
                const int64_t c = next.fetch_add(1, std::memory_order_relaxed);
                if (c >= n_chunks) break;
                const int64_t b = c * chunk, e = std::min(n, (c + 1) * chunk);
                body(b, e, id);
                if (cfg.progress != nullptr) cfg.progress->fetch_add(e - b);
            }
        } catch (...) {
            std::lock_guard<std::mutex> lock(mu);
            if (!first_error) first_error = std::current_exception();
            cancel.store(true);
        }
        std::lock_guard<std::mutex> lock(mu);
        --running;
        cv.notify_all();
    };

    std::vector<std::thread> threads;
    threads.reserve(static_cast<size_t>(n_threads));
    try {
        for (int t = 0; t < n_threads; ++t) threads.emplace_back(worker, t);
    } catch (...) {
        // Could not start a thread: stop the ones that did start, then report.
        cancel.store(true);
        for (auto& th : threads) th.join();
        throw;
    }

    bool interrupted = false;
    {
        std::unique_lock<std::mutex> lock(mu);
        while (running > 0) {
            cv.wait_for(lock, std::chrono::milliseconds(cfg.poll_ms));
            if (running > 0 && cfg.stop != nullptr && !interrupted) {
                lock.unlock();
                const bool stop_now = (*cfg.stop)();
                lock.lock();
                if (stop_now) {
                    interrupted = true;
                    cancel.store(true);
                }
            }
        }
    }
    for (auto& th : threads) th.join();
    if (first_error) std::rethrow_exception(first_error);
    if (interrupted) throw Interrupted();
}

// Chunk size that gives each thread several chunks (for balance) without tiny chunks.
inline int64_t balanced_chunk(int64_t n, int n_threads, int64_t min_chunk = 1,
                              int64_t chunks_per_thread = 16) {
    const int64_t target = static_cast<int64_t>(std::max(1, n_threads)) * chunks_per_thread;
    return std::max<int64_t>(min_chunk, (n + target - 1) / target);
}

}  // namespace divergence
