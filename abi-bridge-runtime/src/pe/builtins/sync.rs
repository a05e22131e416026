//! Threads, handles and synchronisation (`kernel32.dll`): `CreateThread`
//! (the new thread gets its TEB before the start routine runs), events,
//! semaphores, mutexes and waits on them, critical sections, `Sleep`.
//! Handles are small numbers into one process-wide table.

use core::ffi::c_void;
use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use super::exports;
use super::kernel32::{set_last_error, thread_id};
use super::win32_error as error;
use crate::pe::teb;

const WAIT_OBJECT_0: u32 = 0;
const WAIT_TIMEOUT: u32 = 0x102;
const WAIT_FAILED: u32 = 0xffff_ffff;
const INFINITE: u32 = 0xffff_ffff;
const CREATE_SUSPENDED: u32 = 4;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a handle names, with the state a wait tests and takes.
enum State {
    /// A thread: its exit code once it has finished, and how many
    /// `ResumeThread`s it still waits for before it starts.
    Thread {
        exit: Option<u32>,
        suspended: u32,
    },
    Event {
        signaled: bool,
        manual_reset: bool,
    },
    Semaphore {
        count: i32,
        max: i32,
    },
    /// A mutex: its owner (thread id) and recursion count.
    Mutex {
        owner: u32,
        count: u32,
    },
}

struct Object {
    state: Mutex<State>,
    changed: Condvar,
}

impl Object {
    fn new(state: State) -> Arc<Object> {
        Arc::new(Object { state: Mutex::new(state), changed: Condvar::new() })
    }

    /// Takes the object if it is signaled (what a satisfied wait does).
    fn try_take(state: &mut State, me: u32) -> bool {
        match state {
            State::Thread { exit, .. } => exit.is_some(),
            State::Event { signaled, manual_reset } => {
                let was = *signaled;
                if was && !*manual_reset {
                    *signaled = false;
                }
                was
            }
            State::Semaphore { count, .. } => {
                let free = *count > 0;
                if free {
                    *count -= 1;
                }
                free
            }
            State::Mutex { owner, count } => {
                let free = *owner == 0 || *owner == me;
                if free {
                    *owner = me;
                    *count += 1;
                }
                free
            }
        }
    }

    fn wait(&self, timeout: Option<Duration>) -> u32 {
        let me = thread_id();
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut state = lock(&self.state);
        loop {
            if Object::try_take(&mut state, me) {
                return WAIT_OBJECT_0;
            }
            match deadline {
                None => state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return WAIT_TIMEOUT;
                    }
                    state = self.changed.wait_timeout(state, d - now).unwrap_or_else(|e| e.into_inner()).0;
                }
            }
        }
    }

    fn update(&self, f: impl FnOnce(&mut State) -> bool) -> bool {
        let ok = f(&mut lock(&self.state));
        self.changed.notify_all();
        ok
    }
}

static HANDLES: Mutex<Option<HashMap<usize, Arc<Object>>>> = Mutex::new(None);
static NEXT_HANDLE: Mutex<usize> = Mutex::new(0x100);

fn new_handle(object: Arc<Object>) -> *mut c_void {
    let handle = {
        let mut next = lock(&NEXT_HANDLE);
        *next += 4;
        *next
    };
    lock(&HANDLES).get_or_insert_with(HashMap::new).insert(handle, object);
    handle as *mut c_void
}

fn object(handle: *mut c_void) -> Option<Arc<Object>> {
    lock(&HANDLES).as_ref().and_then(|h| h.get(&(handle as usize)).cloned())
}

fn timeout(ms: u32) -> Option<Duration> {
    (ms != INFINITE).then(|| Duration::from_millis(u64::from(ms)))
}

type ThreadStart = unsafe extern "win64" fn(*mut c_void) -> u32;

/// A raw pointer the new thread may take along.
struct SendPtr(*mut c_void);
// SAFETY: the DLL hands the parameter to the thread it creates.
unsafe impl Send for SendPtr {}

unsafe extern "win64" fn create_thread(
    _attributes: *mut c_void,
    stack_size: usize,
    start: Option<ThreadStart>,
    parameter: *mut c_void,
    flags: u32,
    thread_id_out: *mut u32,
) -> *mut c_void {
    let Some(start) = start else {
        set_last_error(error::INVALID_PARAMETER);
        return core::ptr::null_mut();
    };
    let suspended = u32::from(flags & CREATE_SUSPENDED != 0);
    let thread = Object::new(State::Thread { exit: None, suspended });
    let handle = new_handle(thread.clone());
    let (id_tx, id_rx) = std::sync::mpsc::channel();
    let parameter = SendPtr(parameter);
    let spawned = std::thread::Builder::new().stack_size(stack_size.max(1 << 20)).spawn(move || {
        let parameter = parameter;
        if teb::enter_thread().is_err() {
            std::process::abort();
        }
        let _ = id_tx.send(thread_id());
        // Created suspended: the routine starts at the last ResumeThread.
        let mut state = lock(&thread.state);
        while matches!(*state, State::Thread { suspended: 1.., .. }) {
            state = thread.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        drop(state);
        // SAFETY: the DLL's thread routine with the DLL's parameter.
        let code = unsafe { start(parameter.0) };
        thread.update(|s| {
            *s = State::Thread { exit: Some(code), suspended: 0 };
            true
        });
    });
    if spawned.is_err() {
        close_handle(handle);
        set_last_error(error::NOT_ENOUGH_MEMORY);
        return core::ptr::null_mut();
    }
    let id = id_rx.recv().unwrap_or(0);
    if !thread_id_out.is_null() {
        // SAFETY: the DLL's out pointer.
        unsafe { *thread_id_out = id };
    }
    handle
}

extern "win64" fn get_exit_code_thread(handle: *mut c_void, code: *mut u32) -> i32 {
    const STILL_ACTIVE: u32 = 259;
    let Some(o) = object(handle) else {
        set_last_error(error::INVALID_HANDLE);
        return 0;
    };
    let value = match *lock(&o.state) {
        State::Thread { exit, .. } => exit.unwrap_or(STILL_ACTIVE),
        _ => return 0,
    };
    // SAFETY: the DLL's out pointer.
    unsafe { *code = value };
    1
}

/// The C runtime's `_beginthreadex`: `CreateThread` with a 32-bit stack
/// size (the upper half of its register is not the caller's).
unsafe extern "win64" fn begin_thread_ex(
    security: *mut c_void,
    stack_size: u32,
    start: Option<ThreadStart>,
    parameter: *mut c_void,
    flags: u32,
    thread_id_out: *mut u32,
) -> *mut c_void {
    // SAFETY: forwarded from the DLL.
    unsafe { create_thread(security, stack_size as usize, start, parameter, flags, thread_id_out) }
}

/// `ResumeThread`: one step towards starting a thread created suspended;
/// the previous suspend count, or -1. (`SuspendThread` is not provided: a
/// running thread cannot be stopped safely from another.)
extern "win64" fn resume_thread(handle: *mut c_void) -> u32 {
    let mut previous = u32::MAX;
    let found = object(handle).is_some_and(|o| {
        o.update(|s| match s {
            State::Thread { suspended, .. } => {
                previous = *suspended;
                *suspended = suspended.saturating_sub(1);
                true
            }
            _ => false,
        })
    });
    if !found {
        set_last_error(error::INVALID_HANDLE);
    }
    previous
}

extern "win64" fn wait_for_single_object(handle: *mut c_void, ms: u32) -> u32 {
    match object(handle) {
        Some(o) => o.wait(timeout(ms)),
        None => {
            set_last_error(error::INVALID_HANDLE);
            WAIT_FAILED
        }
    }
}

/// Waits for one (or all) of `n` handles. Waiting for all takes them one by
/// one, which is what a DLL can observe unless it races another waiter.
unsafe extern "win64" fn wait_for_multiple_objects(n: u32, handles: *const *mut c_void, wait_all: i32, ms: u32) -> u32 {
    // SAFETY: the DLL's array of `n` handles.
    let handles = unsafe { core::slice::from_raw_parts(handles, n as usize) };
    let Some(objects) = handles.iter().map(|&h| object(h)).collect::<Option<Vec<_>>>() else {
        set_last_error(error::INVALID_HANDLE);
        return WAIT_FAILED;
    };
    let deadline = timeout(ms).map(|t| Instant::now() + t);
    let left = || deadline.map(|d| d.saturating_duration_since(Instant::now()));
    if wait_all != 0 {
        for o in &objects {
            if o.wait(left()) != WAIT_OBJECT_0 {
                return WAIT_TIMEOUT;
            }
        }
        return WAIT_OBJECT_0;
    }
    let me = thread_id();
    loop {
        for (i, o) in objects.iter().enumerate() {
            if Object::try_take(&mut lock(&o.state), me) {
                return WAIT_OBJECT_0 + i as u32;
            }
        }
        if left().is_some_and(|l| l.is_zero()) {
            return WAIT_TIMEOUT;
        }
        std::thread::sleep(Duration::from_micros(200));
    }
}

extern "win64" fn close_handle(handle: *mut c_void) -> i32 {
    match lock(&HANDLES).as_mut().and_then(|h| h.remove(&(handle as usize))) {
        Some(_) => 1,
        None => {
            set_last_error(error::INVALID_HANDLE);
            0
        }
    }
}

extern "win64" fn create_event(
    _attributes: *mut c_void,
    manual_reset: i32,
    initial: i32,
    _name: *const c_void,
) -> *mut c_void {
    new_handle(Object::new(State::Event { signaled: initial != 0, manual_reset: manual_reset != 0 }))
}
/// Sets an event's state; false if `handle` is not an event.
fn signal(handle: *mut c_void, to: bool) -> i32 {
    let set = |s: &mut State| match s {
        State::Event { signaled, .. } => {
            *signaled = to;
            true
        }
        _ => false,
    };
    object(handle).is_some_and(|o| o.update(set)) as i32
}
extern "win64" fn set_event(handle: *mut c_void) -> i32 {
    signal(handle, true)
}
extern "win64" fn reset_event(handle: *mut c_void) -> i32 {
    signal(handle, false)
}
extern "win64" fn create_semaphore(
    _attributes: *mut c_void,
    initial: i32,
    max: i32,
    _name: *const c_void,
) -> *mut c_void {
    if max <= 0 || initial < 0 || initial > max {
        set_last_error(error::INVALID_PARAMETER);
        return core::ptr::null_mut();
    }
    new_handle(Object::new(State::Semaphore { count: initial, max }))
}
extern "win64" fn release_semaphore(handle: *mut c_void, release: i32, previous: *mut i32) -> i32 {
    let Some(o) = object(handle) else {
        set_last_error(error::INVALID_HANDLE);
        return 0;
    };
    o.update(|s| match s {
        State::Semaphore { count, max } if release > 0 && *count + release <= *max => {
            if !previous.is_null() {
                // SAFETY: the DLL's out pointer.
                unsafe { *previous = *count };
            }
            *count += release;
            true
        }
        _ => {
            set_last_error(error::TOO_MANY_POSTS);
            false
        }
    }) as i32
}
extern "win64" fn create_mutex(_attributes: *mut c_void, initial_owner: i32, _name: *const c_void) -> *mut c_void {
    let (owner, count) = if initial_owner != 0 { (thread_id(), 1) } else { (0, 0) };
    new_handle(Object::new(State::Mutex { owner, count }))
}
extern "win64" fn release_mutex(handle: *mut c_void) -> i32 {
    let me = thread_id();
    object(handle).is_some_and(|o| {
        o.update(|s| match s {
            State::Mutex { owner, count } if *owner == me && *count > 0 => {
                *count -= 1;
                if *count == 0 {
                    *owner = 0;
                }
                true
            }
            _ => false,
        })
    }) as i32
}

extern "win64" fn sleep(ms: u32) {
    if ms == INFINITE {
        loop {
            std::thread::park();
        }
    }
    std::thread::sleep(Duration::from_millis(u64::from(ms)));
}
extern "win64" fn sleep_ex(ms: u32, _alertable: i32) -> u32 {
    sleep(ms);
    0
}
extern "win64" fn switch_to_thread() -> i32 {
    std::thread::yield_now();
    1
}

/// A recursive lock owned by a thread id: critical sections and the C
/// runtime's numbered locks.
#[derive(Default)]
pub(crate) struct RecursiveLock {
    state: Mutex<(u32, u32)>,
    free: Condvar,
}

impl RecursiveLock {
    pub(crate) fn enter(&self) {
        let me = thread_id();
        let mut s = lock(&self.state);
        while s.0 != 0 && s.0 != me {
            s = self.free.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        *s = (me, s.1 + 1);
    }

    fn try_enter(&self) -> bool {
        let me = thread_id();
        let mut s = lock(&self.state);
        let free = s.0 == 0 || s.0 == me;
        if free {
            *s = (me, s.1 + 1);
        }
        free
    }

    pub(crate) fn leave(&self) {
        let mut s = lock(&self.state);
        if s.0 == thread_id() && s.1 > 0 {
            s.1 -= 1;
            if s.1 == 0 {
                s.0 = 0;
                self.free.notify_one();
            }
        }
    }
}

/// A `CRITICAL_SECTION` (40 bytes): its first field, `DebugInfo`, holds our
/// lock (made by `InitializeCriticalSection`, or on first use; freed by
/// `DeleteCriticalSection`).
fn section(cs: *mut c_void) -> &'static RecursiveLock {
    lazily(cs)
}

extern "win64" fn initialize_critical_section(cs: *mut c_void) {
    // SAFETY: the DLL's 40-byte CRITICAL_SECTION, cleared as Windows does.
    unsafe { core::ptr::write_bytes(cs.cast::<u8>(), 0, 40) };
    section(cs);
}
extern "win64" fn initialize_critical_section_and_spin_count(cs: *mut c_void, _spin: u32) -> i32 {
    initialize_critical_section(cs);
    1
}
extern "win64" fn initialize_critical_section_ex(cs: *mut c_void, _spin: u32, _flags: u32) -> i32 {
    initialize_critical_section(cs);
    1
}
extern "win64" fn enter_critical_section(cs: *mut c_void) {
    section(cs).enter();
}
extern "win64" fn try_enter_critical_section(cs: *mut c_void) -> i32 {
    section(cs).try_enter() as i32
}
extern "win64" fn leave_critical_section(cs: *mut c_void) {
    section(cs).leave();
}
extern "win64" fn delete_critical_section(cs: *mut c_void) {
    // SAFETY: the DLL's CRITICAL_SECTION; nobody holds it any more.
    let p = unsafe { core::ptr::replace(cs.cast::<*mut RecursiveLock>(), core::ptr::null_mut()) };
    if !p.is_null() {
        // SAFETY: made by `section`.
        drop(unsafe { Box::from_raw(p) });
    }
}

/// The object behind a pointer-sized Windows synchronisation variable (or
/// the first word of a `CRITICAL_SECTION`): made on first use, as
/// `SRWLOCK`s and `CONDITION_VARIABLE`s need no initialisation call (their
/// `_INIT` is a zero), and kept until the variable's delete call, or for the
/// process where Windows has none.
fn lazily<T: Default>(slot: *mut c_void) -> &'static T {
    use std::sync::atomic::{AtomicPtr, Ordering};
    // SAFETY: the DLL's pointer-sized, pointer-aligned variable, which only
    // these built-ins use.
    let slot = unsafe { &*slot.cast::<AtomicPtr<T>>() };
    let mut p = slot.load(Ordering::Acquire);
    if p.is_null() {
        let fresh = Box::into_raw(Box::<T>::default());
        p = match slot.compare_exchange(core::ptr::null_mut(), fresh, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => fresh,
            Err(other) => {
                // SAFETY: ours, never shared.
                drop(unsafe { Box::from_raw(fresh) });
                other
            }
        };
    }
    // SAFETY: freed only by the variable's delete call, after which the DLL
    // does not use it.
    unsafe { &*p }
}

/// A slim reader/writer lock: readers, or one writer. Not recursive, and
/// not owned by a thread (as Windows').
#[derive(Default)]
struct SrwLock {
    state: Mutex<(usize, bool)>,
    changed: Condvar,
}

impl SrwLock {
    fn acquire(&self, exclusive: bool, wait: bool) -> bool {
        let mut s = lock(&self.state);
        loop {
            let free = if exclusive { s.0 == 0 && !s.1 } else { !s.1 };
            if free {
                if exclusive {
                    s.1 = true;
                } else {
                    s.0 += 1;
                }
                return true;
            }
            if !wait {
                return false;
            }
            s = self.changed.wait(s).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn release(&self, exclusive: bool) {
        let mut s = lock(&self.state);
        if exclusive {
            s.1 = false;
        } else {
            s.0 = s.0.saturating_sub(1);
        }
        self.changed.notify_all();
    }
}

extern "win64" fn initialize_srw_lock(l: *mut c_void) {
    // SAFETY: the DLL's SRWLOCK; zero is "unlocked, not yet used".
    unsafe { l.cast::<usize>().write(0) };
}
extern "win64" fn acquire_srw_exclusive(l: *mut c_void) {
    lazily::<SrwLock>(l).acquire(true, true);
}
extern "win64" fn acquire_srw_shared(l: *mut c_void) {
    lazily::<SrwLock>(l).acquire(false, true);
}
extern "win64" fn try_acquire_srw_exclusive(l: *mut c_void) -> u8 {
    u8::from(lazily::<SrwLock>(l).acquire(true, false))
}
extern "win64" fn try_acquire_srw_shared(l: *mut c_void) -> u8 {
    u8::from(lazily::<SrwLock>(l).acquire(false, false))
}
extern "win64" fn release_srw_exclusive(l: *mut c_void) {
    lazily::<SrwLock>(l).release(true);
}
extern "win64" fn release_srw_shared(l: *mut c_void) {
    lazily::<SrwLock>(l).release(false);
}

/// A condition variable: waiters sleep until the generation moves on (or
/// spuriously, which Windows allows too).
#[derive(Default)]
struct ConditionVariable {
    generation: Mutex<u64>,
    changed: Condvar,
}

const ERROR_TIMEOUT: u32 = 1460;

impl ConditionVariable {
    /// Releases the caller's lock (`release`), waits for a wake or the
    /// timeout, takes the lock again (`reacquire`); false on timeout.
    fn sleep(&self, ms: u32, release: impl FnOnce(), reacquire: impl FnOnce()) -> bool {
        let mut g = lock(&self.generation);
        let start = *g;
        release();
        let deadline = timeout(ms).map(|t| Instant::now() + t);
        let mut woken = true;
        while *g == start {
            match deadline {
                None => g = self.changed.wait(g).unwrap_or_else(|e| e.into_inner()),
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        woken = false;
                        break;
                    }
                    g = self.changed.wait_timeout(g, d - now).unwrap_or_else(|e| e.into_inner()).0;
                }
            }
        }
        drop(g);
        reacquire();
        if !woken {
            set_last_error(ERROR_TIMEOUT);
        }
        woken
    }

    fn wake(&self, all: bool) {
        *lock(&self.generation) += 1;
        if all {
            self.changed.notify_all();
        } else {
            self.changed.notify_one();
        }
    }
}

extern "win64" fn initialize_condition_variable(cv: *mut c_void) {
    // SAFETY: the DLL's CONDITION_VARIABLE; zero is "nobody waiting yet".
    unsafe { cv.cast::<usize>().write(0) };
}
extern "win64" fn sleep_condition_variable_cs(cv: *mut c_void, cs: *mut c_void, ms: u32) -> i32 {
    let lock = section(cs);
    i32::from(lazily::<ConditionVariable>(cv).sleep(ms, || lock.leave(), || lock.enter()))
}
extern "win64" fn sleep_condition_variable_srw(cv: *mut c_void, l: *mut c_void, ms: u32, flags: u32) -> i32 {
    const CONDITION_VARIABLE_LOCKMODE_SHARED: u32 = 1;
    let exclusive = flags & CONDITION_VARIABLE_LOCKMODE_SHARED == 0;
    let srw = lazily::<SrwLock>(l);
    i32::from(lazily::<ConditionVariable>(cv).sleep(ms, || srw.release(exclusive), || _ = srw.acquire(exclusive, true)))
}
extern "win64" fn wake_condition_variable(cv: *mut c_void) {
    lazily::<ConditionVariable>(cv).wake(false);
}
extern "win64" fn wake_all_condition_variable(cv: *mut c_void) {
    lazily::<ConditionVariable>(cv).wake(true);
}

type InitOnceFn = unsafe extern "win64" fn(*mut c_void, *mut c_void, *mut *mut c_void) -> i32;

/// `InitOnceExecuteOnce`: runs `f` once for the INIT_ONCE at `once` (0: not
/// run, 1: running, 2: done), other callers waiting while it runs; a failed
/// run leaves it to be tried again.
unsafe extern "win64" fn init_once_execute_once(
    once: *mut c_void,
    f: InitOnceFn,
    param: *mut c_void,
    context: *mut *mut c_void,
) -> i32 {
    use std::sync::atomic::{AtomicUsize, Ordering};
    // SAFETY: the DLL's pointer-sized INIT_ONCE.
    let state = unsafe { &*once.cast::<AtomicUsize>() };
    loop {
        match state.compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire) {
            Ok(_) => {
                // SAFETY: the DLL's initialiser with its own arguments.
                let ok = unsafe { f(once, param, context) };
                state.store(if ok != 0 { 2 } else { 0 }, Ordering::Release);
                return ok;
            }
            Err(2) => {
                if !context.is_null() {
                    // SAFETY: the DLL's out pointer (no context is kept).
                    unsafe { *context = core::ptr::null_mut() };
                }
                return 1;
            }
            Err(_) => std::thread::yield_now(),
        }
    }
}

/// What the C runtime exports from here.
pub(super) fn crt_table() -> Vec<(&'static str, usize)> {
    exports! { "_beginthreadex" => begin_thread_ex }
}

pub(super) fn table() -> Vec<(&'static str, usize)> {
    exports! {
        "CreateThread" => create_thread, "GetExitCodeThread" => get_exit_code_thread, "ResumeThread" => resume_thread,
        "WaitForSingleObject" => wait_for_single_object, "WaitForMultipleObjects" => wait_for_multiple_objects,
        "CloseHandle" => close_handle,
        "CreateEventA" => create_event, "CreateEventW" => create_event, "SetEvent" => set_event, "ResetEvent" => reset_event,
        "CreateSemaphoreA" => create_semaphore, "CreateSemaphoreW" => create_semaphore, "ReleaseSemaphore" => release_semaphore,
        "CreateMutexA" => create_mutex, "CreateMutexW" => create_mutex, "ReleaseMutex" => release_mutex,
        "Sleep" => sleep, "SleepEx" => sleep_ex, "SwitchToThread" => switch_to_thread,
        "InitializeCriticalSection" => initialize_critical_section,
        "InitializeCriticalSectionAndSpinCount" => initialize_critical_section_and_spin_count,
        "InitializeCriticalSectionEx" => initialize_critical_section_ex,
        "EnterCriticalSection" => enter_critical_section, "TryEnterCriticalSection" => try_enter_critical_section,
        "LeaveCriticalSection" => leave_critical_section, "DeleteCriticalSection" => delete_critical_section,
        "InitializeSRWLock" => initialize_srw_lock, "AcquireSRWLockExclusive" => acquire_srw_exclusive,
        "AcquireSRWLockShared" => acquire_srw_shared, "TryAcquireSRWLockExclusive" => try_acquire_srw_exclusive,
        "TryAcquireSRWLockShared" => try_acquire_srw_shared, "ReleaseSRWLockExclusive" => release_srw_exclusive,
        "ReleaseSRWLockShared" => release_srw_shared,
        "InitializeConditionVariable" => initialize_condition_variable,
        "SleepConditionVariableCS" => sleep_condition_variable_cs, "SleepConditionVariableSRW" => sleep_condition_variable_srw,
        "WakeConditionVariable" => wake_condition_variable, "WakeAllConditionVariable" => wake_all_condition_variable,
        "InitOnceExecuteOnce" => init_once_execute_once,
    }
}
