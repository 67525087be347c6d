/*
 * A stand-in for libnvidia-ml.so.1 for tests on machines without an NVIDIA GPU.
 *
 * It exports the NVML symbols the collector's NVML receiver calls, with the same signatures
 * and return codes as nvml.h, and answers from a scenario file named by the environment
 * variable NVML_STUB_SCENARIO. The file is read at nvmlInit and read again whenever it
 * changes (tests replace it with a rename to change values, errors or add events while the
 * receiver runs). One directive per line, '#' starts a comment:
 *
 *   init_error CODE                  nvmlInit fails with CODE (e.g. DRIVER_NOT_LOADED)
 *   driver_version 550.54.15
 *   devices N                        number of devices (indices 0..N-1)
 *   uuid DEV GPU-...                 name DEV rest of line is the name
 *   utilization DEV GPU% MEM%        memory DEV TOTAL FREE USED   (bytes)
 *   temperature DEV C                power DEV MILLIWATTS
 *   clock DEV graphics|sm|mem|video MHZ
 *   clocks_event_reasons DEV MASK    (decimal or 0x hex)
 *   process DEV PID USED_BYTES       (repeat per process)
 *   supported_events DEV MASK        (default: all of 0x1 0x2 0x4 0x8 0x10 0x80 0x4000)
 *   error DEV CALL CODE              CALL: handle uuid name utilization memory temperature power
 *                                    clock clocks_event_reasons processes supported_events
 *                                    register_events, or * for every call on that device
 *   event ID DEV TYPE [DATA]         TYPE: xid ecc_single ecc_double pstate clock power_source
 *                                    unavailable, or a numeric mask; delivered once, in ID order,
 *                                    by nvmlEventSetWait to a set the device is registered in
 *
 * CODE is a name (SUCCESS, NOT_SUPPORTED, GPU_IS_LOST, ...) or a number.
 * Built with -DNVML_STUB_LEGACY it leaves out the versioned symbols (nvmlInit_v2, ..._v2, _v3,
 * nvmlDeviceGetCurrentClocksEventReasons, nvmlDeviceGetMemoryInfo_v2) as older drivers do, so the
 * receiver's fallbacks are exercised.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define EXPORT __attribute__((visibility("default")))

typedef int nvmlReturn_t;
enum {
  NVML_SUCCESS = 0, NVML_ERROR_UNINITIALIZED = 1, NVML_ERROR_INVALID_ARGUMENT = 2,
  NVML_ERROR_NOT_SUPPORTED = 3, NVML_ERROR_NO_PERMISSION = 4, NVML_ERROR_NOT_FOUND = 6,
  NVML_ERROR_INSUFFICIENT_SIZE = 7, NVML_ERROR_DRIVER_NOT_LOADED = 9, NVML_ERROR_TIMEOUT = 10,
  NVML_ERROR_LIBRARY_NOT_FOUND = 12, NVML_ERROR_FUNCTION_NOT_FOUND = 13, NVML_ERROR_GPU_IS_LOST = 15,
  NVML_ERROR_NO_DATA = 21, NVML_ERROR_UNKNOWN = 999
};

#define MAX_DEV 16
#define MAX_PROC 64
#define MAX_ERR 128
#define MAX_EVENTS 1024
#define ALL_EVENTS 0x409fULL

struct stub_device {
  int index;
  char uuid[96];
  char name[96];
  unsigned util_gpu, util_mem;
  unsigned long long mem_total, mem_free, mem_used;
  unsigned temperature;
  unsigned power_mw;
  unsigned clock[4];
  unsigned long long clock_reasons;
  int nproc;
  unsigned proc_pid[MAX_PROC];
  unsigned long long proc_mem[MAX_PROC];
  unsigned long long supported_events;
};

struct stub_error { int dev; char call[32]; int code; };
struct stub_event { long id; int dev; unsigned long long type; unsigned long long data; };

struct stub_state {
  int init_error;
  char driver_version[80];
  int count;
  struct stub_device dev[MAX_DEV];
  int nerr;
  struct stub_error err[MAX_ERR];
  int nevents;
  struct stub_event events[MAX_EVENTS];
};

typedef struct stub_device *nvmlDevice_t;
struct stub_eventset { unsigned long long mask[MAX_DEV]; };
typedef struct stub_eventset *nvmlEventSet_t;

typedef struct { unsigned int gpu; unsigned int memory; } nvmlUtilization_t;
typedef struct { unsigned long long total, free, used; } nvmlMemory_t;
typedef struct { unsigned int version; unsigned long long total, reserved, free, used; } nvmlMemory_v2_t;
typedef struct { unsigned int pid; unsigned long long usedGpuMemory; unsigned int gpuInstanceId; unsigned int computeInstanceId; } nvmlProcessInfo_t;
typedef struct { nvmlDevice_t device; unsigned long long eventType; unsigned long long eventData; unsigned int gpuInstanceId; unsigned int computeInstanceId; } nvmlEventData_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct stub_state state;       /* guarded by lock; device handles point into state.dev */
static struct stub_state scratch;     /* parse target, guarded by lock */
static int init_count = 0;
static long last_event_id = 0;        /* highest event id consumed */
static char scenario_path[4096];
static struct stat scenario_stat;
static int have_stat = 0;

static const struct { const char *name; int code; } CODES[] = {
  {"SUCCESS", 0}, {"UNINITIALIZED", 1}, {"INVALID_ARGUMENT", 2}, {"NOT_SUPPORTED", 3},
  {"NO_PERMISSION", 4}, {"ALREADY_INITIALIZED", 5}, {"NOT_FOUND", 6}, {"INSUFFICIENT_SIZE", 7},
  {"INSUFFICIENT_POWER", 8}, {"DRIVER_NOT_LOADED", 9}, {"TIMEOUT", 10}, {"IRQ_ISSUE", 11},
  {"LIBRARY_NOT_FOUND", 12}, {"FUNCTION_NOT_FOUND", 13}, {"CORRUPTED_INFOROM", 14},
  {"GPU_IS_LOST", 15}, {"RESET_REQUIRED", 16}, {"OPERATING_SYSTEM", 17}, {"NO_DATA", 21},
  {"UNKNOWN", 999},
};

static int parse_code(const char *s) {
  for (size_t i = 0; i < sizeof CODES / sizeof CODES[0]; i++)
    if (strcmp(s, CODES[i].name) == 0) return CODES[i].code;
  if (strncmp(s, "NVML_ERROR_", 11) == 0) return parse_code(s + 11);
  return (int)strtol(s, NULL, 0);
}

static unsigned long long parse_event_type(const char *s) {
  if (strcmp(s, "ecc_single") == 0) return 0x1;
  if (strcmp(s, "ecc_double") == 0) return 0x2;
  if (strcmp(s, "pstate") == 0) return 0x4;
  if (strcmp(s, "xid") == 0) return 0x8;
  if (strcmp(s, "clock") == 0) return 0x10;
  if (strcmp(s, "power_source") == 0) return 0x80;
  if (strcmp(s, "unavailable") == 0) return 0x4000;
  return strtoull(s, NULL, 0);
}

static void copy_str(char *dst, size_t cap, const char *src) {
  size_t n = strlen(src);
  while (n > 0 && (src[n - 1] == '\n' || src[n - 1] == '\r' || src[n - 1] == ' ')) n--;
  if (n >= cap) n = cap - 1;
  memcpy(dst, src, n);
  dst[n] = 0;
}

static void reset(struct stub_state *s) {
  memset(s, 0, sizeof *s);
  for (int i = 0; i < MAX_DEV; i++) {
    struct stub_device *d = &s->dev[i];
    d->index = i;
    snprintf(d->uuid, sizeof d->uuid, "GPU-00000000-0000-0000-0000-%012d", i);
    snprintf(d->name, sizeof d->name, "NVIDIA Stub GPU");
    d->supported_events = ALL_EVENTS;
  }
  snprintf(s->driver_version, sizeof s->driver_version, "0.0.0-stub");
}

/* Parses the scenario file into `s`. Returns 0, or -1 when the file cannot be read. */
static int parse(const char *path, struct stub_state *s) {
  reset(s);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char line[1024];
  while (fgets(line, sizeof line, f)) {
    char *hash = strchr(line, '#');
    if (hash) *hash = 0;
    char key[64], a[128], b[128], c[128], d[128];
    a[0] = b[0] = c[0] = d[0] = 0;
    int n = sscanf(line, "%63s %127s %127s %127s %127s", key, a, b, c, d);
    if (n < 1) continue;
    int dev = (int)strtol(a, NULL, 0);
    int devok = n >= 2 && dev >= 0 && dev < MAX_DEV;
    struct stub_device *x = devok ? &s->dev[dev] : NULL;
    if (strcmp(key, "init_error") == 0 && n >= 2) s->init_error = parse_code(a);
    else if (strcmp(key, "driver_version") == 0 && n >= 2) copy_str(s->driver_version, sizeof s->driver_version, a);
    else if (strcmp(key, "devices") == 0 && n >= 2) s->count = dev < 0 ? 0 : dev > MAX_DEV ? MAX_DEV : dev;
    else if (strcmp(key, "uuid") == 0 && x && n >= 3) copy_str(x->uuid, sizeof x->uuid, b);
    else if (strcmp(key, "name") == 0 && x && n >= 3) {
      /* the rest of the line after the device index */
      const char *p = line;
      while (*p == ' ' || *p == '\t') p++;
      p += 4; /* "name" */
      while (*p == ' ' || *p == '\t') p++;
      while (*p && *p != ' ' && *p != '\t') p++;
      while (*p == ' ' || *p == '\t') p++;
      copy_str(x->name, sizeof x->name, p);
    } else if (strcmp(key, "utilization") == 0 && x && n >= 4) {
      x->util_gpu = (unsigned)strtoul(b, NULL, 0);
      x->util_mem = (unsigned)strtoul(c, NULL, 0);
    } else if (strcmp(key, "memory") == 0 && x && n >= 5) {
      x->mem_total = strtoull(b, NULL, 0);
      x->mem_free = strtoull(c, NULL, 0);
      x->mem_used = strtoull(d, NULL, 0);
    } else if (strcmp(key, "temperature") == 0 && x && n >= 3) x->temperature = (unsigned)strtoul(b, NULL, 0);
    else if (strcmp(key, "power") == 0 && x && n >= 3) x->power_mw = (unsigned)strtoul(b, NULL, 0);
    else if (strcmp(key, "clock") == 0 && x && n >= 4) {
      int t = strcmp(b, "graphics") == 0 ? 0 : strcmp(b, "sm") == 0 ? 1 : strcmp(b, "mem") == 0 ? 2 : strcmp(b, "video") == 0 ? 3 : -1;
      if (t >= 0) x->clock[t] = (unsigned)strtoul(c, NULL, 0);
    } else if (strcmp(key, "clocks_event_reasons") == 0 && x && n >= 3) x->clock_reasons = strtoull(b, NULL, 0);
    else if (strcmp(key, "supported_events") == 0 && x && n >= 3) x->supported_events = strtoull(b, NULL, 0);
    else if (strcmp(key, "process") == 0 && x && n >= 4 && x->nproc < MAX_PROC) {
      x->proc_pid[x->nproc] = (unsigned)strtoul(b, NULL, 0);
      x->proc_mem[x->nproc] = strtoull(c, NULL, 0);
      x->nproc++;
    } else if (strcmp(key, "error") == 0 && n >= 4 && s->nerr < MAX_ERR) {
      struct stub_error *e = &s->err[s->nerr++];
      e->dev = dev;
      copy_str(e->call, sizeof e->call, b);
      e->code = parse_code(c);
    } else if (strcmp(key, "event") == 0 && n >= 4 && s->nevents < MAX_EVENTS) {
      struct stub_event *e = &s->events[s->nevents++];
      e->id = strtol(a, NULL, 0);
      e->dev = (int)strtol(b, NULL, 0);
      e->type = parse_event_type(c);
      e->data = n >= 5 ? strtoull(d, NULL, 0) : 0;
    }
  }
  fclose(f);
  return 0;
}

/* Reloads the scenario when the file changed (inode, size or mtime). Call with lock held. */
static void maybe_reload(void) {
  if (scenario_path[0] == 0) return;
  struct stat st;
  if (stat(scenario_path, &st) != 0) return;
  if (have_stat && st.st_ino == scenario_stat.st_ino && st.st_size == scenario_stat.st_size &&
      st.st_mtim.tv_sec == scenario_stat.st_mtim.tv_sec && st.st_mtim.tv_nsec == scenario_stat.st_mtim.tv_nsec)
    return;
  if (parse(scenario_path, &scratch) != 0) return;
  memcpy(&state, &scratch, sizeof state);
  scenario_stat = st;
  have_stat = 1;
}

static int injected(const struct stub_device *d, const char *call) {
  for (int i = 0; i < state.nerr; i++) {
    const struct stub_error *e = &state.err[i];
    if (e->dev == d->index && (strcmp(e->call, call) == 0 || strcmp(e->call, "*") == 0)) return e->code;
  }
  return 0;
}

/* Common entry for device calls: lock, reload, validate the handle, injected error. */
#define DEVICE_CALL(D_, CALL_)                                                        \
  pthread_mutex_lock(&lock);                                                          \
  if (init_count == 0) { pthread_mutex_unlock(&lock); return NVML_ERROR_UNINITIALIZED; } \
  maybe_reload();                                                                     \
  if ((D_) == NULL || (D_) < state.dev || (D_) >= state.dev + MAX_DEV) {           \
    pthread_mutex_unlock(&lock); return NVML_ERROR_INVALID_ARGUMENT; }                \
  if ((D_)->index >= state.count) { pthread_mutex_unlock(&lock); return NVML_ERROR_GPU_IS_LOST; } \
  { int code_ = injected((D_), (CALL_));                                              \
    if (code_ != 0) { pthread_mutex_unlock(&lock); return code_; } }

#define DONE(code) do { pthread_mutex_unlock(&lock); return (code); } while (0)

static nvmlReturn_t do_init(void) {
  pthread_mutex_lock(&lock);
  const char *p = getenv("NVML_STUB_SCENARIO");
  if (!p || !*p) DONE(init_count > 0 ? NVML_SUCCESS : NVML_ERROR_DRIVER_NOT_LOADED);
  /* a new scenario file, or the first init: read it afresh and deliver its events from the start */
  if (strcmp(p, scenario_path) != 0 || init_count == 0) {
    snprintf(scenario_path, sizeof scenario_path, "%s", p);
    have_stat = 0;
    last_event_id = 0;
  }
  maybe_reload();
  if (!have_stat) DONE(NVML_ERROR_DRIVER_NOT_LOADED); /* unreadable scenario */
  if (state.init_error != 0) DONE(state.init_error);
  init_count++;
  DONE(NVML_SUCCESS);
}

EXPORT nvmlReturn_t nvmlInit(void) { return do_init(); }
#ifndef NVML_STUB_LEGACY
EXPORT nvmlReturn_t nvmlInit_v2(void) { return do_init(); }
#endif

EXPORT nvmlReturn_t nvmlShutdown(void) {
  pthread_mutex_lock(&lock);
  if (init_count == 0) DONE(NVML_ERROR_UNINITIALIZED);
  init_count--;
  DONE(NVML_SUCCESS);
}

EXPORT const char *nvmlErrorString(nvmlReturn_t r) {
  switch (r) {
    case 0: return "Success";
    case 1: return "Uninitialized";
    case 2: return "Invalid Argument";
    case 3: return "Not Supported";
    case 4: return "Insufficient Permissions";
    case 6: return "Not Found";
    case 7: return "Insufficient Size";
    case 9: return "Driver Not Loaded";
    case 10: return "Timeout";
    case 13: return "Function Not Found";
    case 15: return "GPU is lost";
    case 21: return "No data";
    default: return "Unknown Error";
  }
}

EXPORT nvmlReturn_t nvmlSystemGetDriverVersion(char *version, unsigned int length) {
  pthread_mutex_lock(&lock);
  if (init_count == 0) DONE(NVML_ERROR_UNINITIALIZED);
  if (!version || length == 0) DONE(NVML_ERROR_INVALID_ARGUMENT);
  if (strlen(state.driver_version) + 1 > length) DONE(NVML_ERROR_INSUFFICIENT_SIZE);
  strcpy(version, state.driver_version);
  DONE(NVML_SUCCESS);
}

static nvmlReturn_t get_count(unsigned int *count) {
  pthread_mutex_lock(&lock);
  if (init_count == 0) DONE(NVML_ERROR_UNINITIALIZED);
  if (!count) DONE(NVML_ERROR_INVALID_ARGUMENT);
  maybe_reload();
  *count = (unsigned)state.count;
  DONE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetCount(unsigned int *count) { return get_count(count); }
#ifndef NVML_STUB_LEGACY
EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count) { return get_count(count); }
#endif

static nvmlReturn_t get_handle(unsigned int index, nvmlDevice_t *device) {
  pthread_mutex_lock(&lock);
  if (init_count == 0) DONE(NVML_ERROR_UNINITIALIZED);
  if (!device) DONE(NVML_ERROR_INVALID_ARGUMENT);
  maybe_reload();
  if (index >= (unsigned)state.count) DONE(NVML_ERROR_INVALID_ARGUMENT);
  int code = injected(&state.dev[index], "handle");
  if (code != 0) DONE(code);
  *device = &state.dev[index];
  DONE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned int index, nvmlDevice_t *device) { return get_handle(index, device); }
#ifndef NVML_STUB_LEGACY
EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device) { return get_handle(index, device); }
#endif

static nvmlReturn_t copy_out(char *dst, unsigned int length, const char *src) {
  if (!dst) return NVML_ERROR_INVALID_ARGUMENT;
  if (strlen(src) + 1 > length) return NVML_ERROR_INSUFFICIENT_SIZE;
  strcpy(dst, src);
  return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char *uuid, unsigned int length) {
  DEVICE_CALL(device, "uuid");
  DONE(copy_out(uuid, length, device->uuid));
}

EXPORT nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length) {
  DEVICE_CALL(device, "name");
  DONE(copy_out(name, length, device->name));
}

EXPORT nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t *u) {
  DEVICE_CALL(device, "utilization");
  if (!u) DONE(NVML_ERROR_INVALID_ARGUMENT);
  u->gpu = device->util_gpu;
  u->memory = device->util_mem;
  DONE(NVML_SUCCESS);
}

EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t *m) {
  DEVICE_CALL(device, "memory");
  if (!m) DONE(NVML_ERROR_INVALID_ARGUMENT);
  m->total = device->mem_total;
  m->free = device->mem_free;
  m->used = device->mem_used;
  DONE(NVML_SUCCESS);
}

#ifndef NVML_STUB_LEGACY
EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo_v2(nvmlDevice_t device, nvmlMemory_v2_t *m) {
  DEVICE_CALL(device, "memory");
  if (!m) DONE(NVML_ERROR_INVALID_ARGUMENT);
  if (m->version != 0x02000028u) DONE(NVML_ERROR_INVALID_ARGUMENT); /* nvmlMemory_v2 */
  m->total = device->mem_total;
  m->free = device->mem_free;
  m->used = device->mem_used;
  /* whatever is neither free nor used is reserved by the driver */
  m->reserved = device->mem_total > device->mem_free + device->mem_used ? device->mem_total - device->mem_free - device->mem_used : 0;
  DONE(NVML_SUCCESS);
}
#endif

EXPORT nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensor, unsigned int *temp) {
  DEVICE_CALL(device, "temperature");
  if (!temp || sensor != 0) DONE(NVML_ERROR_INVALID_ARGUMENT);
  *temp = device->temperature;
  DONE(NVML_SUCCESS);
}

EXPORT nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power) {
  DEVICE_CALL(device, "power");
  if (!power) DONE(NVML_ERROR_INVALID_ARGUMENT);
  *power = device->power_mw;
  DONE(NVML_SUCCESS);
}

EXPORT nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t device, int type, unsigned int *clock) {
  DEVICE_CALL(device, "clock");
  if (!clock || type < 0 || type > 3) DONE(NVML_ERROR_INVALID_ARGUMENT);
  *clock = device->clock[type];
  DONE(NVML_SUCCESS);
}

static nvmlReturn_t clock_reasons(nvmlDevice_t device, unsigned long long *reasons) {
  DEVICE_CALL(device, "clocks_event_reasons");
  if (!reasons) DONE(NVML_ERROR_INVALID_ARGUMENT);
  *reasons = device->clock_reasons;
  DONE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksThrottleReasons(nvmlDevice_t device, unsigned long long *r) { return clock_reasons(device, r); }
#ifndef NVML_STUB_LEGACY
EXPORT nvmlReturn_t nvmlDeviceGetCurrentClocksEventReasons(nvmlDevice_t device, unsigned long long *r) { return clock_reasons(device, r); }
#endif

static nvmlReturn_t processes(nvmlDevice_t device, unsigned int *count, nvmlProcessInfo_t *infos) {
  DEVICE_CALL(device, "processes");
  if (!count) DONE(NVML_ERROR_INVALID_ARGUMENT);
  unsigned have = (unsigned)device->nproc;
  if (*count < have || (infos == NULL && have > 0)) {
    *count = have;
    DONE(NVML_ERROR_INSUFFICIENT_SIZE);
  }
  for (unsigned i = 0; i < have; i++) {
    infos[i].pid = device->proc_pid[i];
    infos[i].usedGpuMemory = device->proc_mem[i];
    infos[i].gpuInstanceId = 0xFFFFFFFFu;
    infos[i].computeInstanceId = 0xFFFFFFFFu;
  }
  *count = have;
  DONE(NVML_SUCCESS);
}
EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v2(nvmlDevice_t device, unsigned int *count, nvmlProcessInfo_t *infos) { return processes(device, count, infos); }
#ifndef NVML_STUB_LEGACY
EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t device, unsigned int *count, nvmlProcessInfo_t *infos) { return processes(device, count, infos); }
#endif

EXPORT nvmlReturn_t nvmlEventSetCreate(nvmlEventSet_t *set) {
  pthread_mutex_lock(&lock);
  if (init_count == 0) DONE(NVML_ERROR_UNINITIALIZED);
  if (!set) DONE(NVML_ERROR_INVALID_ARGUMENT);
  struct stub_eventset *s = calloc(1, sizeof *s);
  if (!s) DONE(NVML_ERROR_UNKNOWN);
  *set = s;
  DONE(NVML_SUCCESS);
}

EXPORT nvmlReturn_t nvmlEventSetFree(nvmlEventSet_t set) {
  if (!set) return NVML_ERROR_INVALID_ARGUMENT;
  free(set);
  return NVML_SUCCESS;
}

EXPORT nvmlReturn_t nvmlDeviceGetSupportedEventTypes(nvmlDevice_t device, unsigned long long *types) {
  DEVICE_CALL(device, "supported_events");
  if (!types) DONE(NVML_ERROR_INVALID_ARGUMENT);
  *types = device->supported_events;
  DONE(NVML_SUCCESS);
}

EXPORT nvmlReturn_t nvmlDeviceRegisterEvents(nvmlDevice_t device, unsigned long long types, nvmlEventSet_t set) {
  DEVICE_CALL(device, "register_events");
  if (!set) DONE(NVML_ERROR_INVALID_ARGUMENT);
  if ((types & ~device->supported_events) != 0 || device->supported_events == 0) DONE(NVML_ERROR_NOT_SUPPORTED);
  set->mask[device->index] |= types;
  DONE(NVML_SUCCESS);
}

static void sleep_ms(long ms) {
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Blocks up to timeoutms for the next scripted event this set is registered for. */
static nvmlReturn_t event_wait(nvmlEventSet_t set, nvmlEventData_t *data, unsigned int timeoutms) {
  if (!set || !data) return NVML_ERROR_INVALID_ARGUMENT;
  long long deadline = now_ms() + timeoutms;
  for (;;) {
    pthread_mutex_lock(&lock);
    if (init_count == 0) DONE(NVML_ERROR_UNINITIALIZED);
    maybe_reload();
    for (;;) {
      /* the pending event with the lowest id */
      const struct stub_event *next = NULL;
      for (int i = 0; i < state.nevents; i++) {
        const struct stub_event *e = &state.events[i];
        if (e->id > last_event_id && (next == NULL || e->id < next->id)) next = e;
      }
      if (!next) break;
      last_event_id = next->id;
      if (next->dev < 0 || next->dev >= MAX_DEV || next->dev >= state.count) continue;
      if ((set->mask[next->dev] & next->type) == 0) continue; /* not registered: consumed unseen */
      data->device = &state.dev[next->dev];
      data->eventType = next->type;
      data->eventData = next->data;
      data->gpuInstanceId = 0xFFFFFFFFu;
      data->computeInstanceId = 0xFFFFFFFFu;
      DONE(NVML_SUCCESS);
    }
    pthread_mutex_unlock(&lock);
    long long left = deadline - now_ms();
    if (left <= 0) return NVML_ERROR_TIMEOUT;
    sleep_ms(left < 5 ? left : 5);
  }
}
EXPORT nvmlReturn_t nvmlEventSetWait(nvmlEventSet_t set, nvmlEventData_t *data, unsigned int timeoutms) { return event_wait(set, data, timeoutms); }
#ifndef NVML_STUB_LEGACY
EXPORT nvmlReturn_t nvmlEventSetWait_v2(nvmlEventSet_t set, nvmlEventData_t *data, unsigned int timeoutms) { return event_wait(set, data, timeoutms); }
#endif
