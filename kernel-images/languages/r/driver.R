# R language driver for the Backend.AI kernel runner (query mode).
#
# The runner starts this script with Rscript and exchanges one JSON array per line with it over
# the script's stdin and stdout (the control channel):
#
# - runner to driver: ["code", source] runs source in the global environment, which persists
#   across requests.
# - driver to runner: ["ready", null] once at startup, then ["stdout", text], ["stderr", text]
#   and one ["finished", {"exitCode": n}] for each request.
#
# The top-level expressions of a request run one after another, and visible values are printed
# as Rscript prints them. Output goes through sink() into temporary files, and the driver sends
# it after each top-level expression and before each message or warning, so output appears
# expression by expression, not while one expression runs. An error prints "Error in ...", skips
# the rest of the request and ends the run with exit code 1. quit(status = n) ends the run with
# code n, and SIGINT ends it with code 130.
#
# Child processes would write to the control channel, because R cannot move it off file
# descriptor 1. So the driver masks system() and system2() with versions that send the child's
# output as records. NOTE: Other ways of starting processes, such as pipe() or the processx
# package, still write to the control channel, and the runner drops such lines.
#
# The runner interrupts a run by sending SIGINT to the driver's process group, and R cannot make
# itself a process group leader, so the runner has to start the driver through setsid.
#
# Uses base R only. Tested with R 4.2 (Debian bookworm).

local({
  # Maximum length, in characters, of the text in one stdout or stderr record.
  max_record_chars <- 65536L
  # Exit code of a run ended by SIGINT, as a shell reports SIGINT.
  interrupted_exit_code <- 130L

  # The driver writes records and log lines through their own connections, because sink()
  # redirects stdout() and stderr() while user code runs.
  control_out <- file("/dev/stdout", open = "wb", raw = TRUE)
  log_out <- file("/dev/stderr", open = "wb", raw = TRUE)
  control_in <- file("stdin", open = "r")

  log_line <- function(message) {
    writeLines(enc2utf8(message), log_out, useBytes = TRUE)
    flush(log_out)
  }

  # Returns text as valid UTF-8, with invalid bytes replaced by U+FFFD.
  as_utf8 <- function(text) {
    text <- iconv(text, from = "UTF-8", to = "UTF-8", sub = "\ufffd")
    text[is.na(text)] <- ""
    enc2utf8(text)
  }

  json_string <- function(text) {
    text <- gsub("\\", "\\\\", text, fixed = TRUE, useBytes = TRUE)
    text <- gsub("\"", "\\\"", text, fixed = TRUE, useBytes = TRUE)
    text <- gsub("\n", "\\n", text, fixed = TRUE, useBytes = TRUE)
    text <- gsub("\r", "\\r", text, fixed = TRUE, useBytes = TRUE)
    text <- gsub("\t", "\\t", text, fixed = TRUE, useBytes = TRUE)
    controls <- gregexpr("[\001-\037\177]", text, perl = TRUE, useBytes = TRUE)
    regmatches(text, controls) <- lapply(
      regmatches(text, controls),
      function(found) sprintf("\\u%04x", vapply(found, utf8ToInt, 0L))
    )
    paste0("\"", text, "\"")
  }

  send_record <- function(type, payload_json) {
    line <- paste0("[", json_string(type), ",", payload_json, "]")
    writeLines(line, control_out, useBytes = TRUE)
    flush(control_out)
  }

  send_text <- function(stream, text) {
    text <- as_utf8(paste(text, collapse = ""))
    total <- nchar(text)
    if (total == 0L) {
      return(invisible())
    }
    for (start in seq(1L, total, by = max_record_chars)) {
      piece <- substr(text, start, min(total, start + max_record_chars - 1L))
      send_record(stream, json_string(piece))
    }
  }

  # Decodes one JSON escape sequence, or a surrogate pair written as two \u escapes.
  decode_escape <- function(escape) {
    kind <- substr(escape, 2L, 2L)
    if (kind != "u") {
      return(switch(kind, n = "\n", t = "\t", r = "\r", b = "\b", f = "\f", kind))
    }
    code <- strtoi(substr(escape, 3L, 6L), 16L)
    if (nchar(escape) == 12L) {
      low <- strtoi(substr(escape, 9L, 12L), 16L)
      return(intToUtf8(0x10000L + (code - 0xD800L) * 1024L + (low - 0xDC00L)))
    }
    if (code == 0L || (code >= 0xD800L && code <= 0xDFFFL)) {
      # R strings cannot contain NUL, and a lone surrogate is not a character.
      return("\ufffd")
    }
    intToUtf8(code)
  }

  json_unescape <- function(text) {
    if (!grepl("\\", text, fixed = TRUE)) {
      return(text)
    }
    pattern <- paste0(
      "\\\\u[dD][89abAB][0-9a-fA-F]{2}\\\\u[dD][c-fC-F][0-9a-fA-F]{2}",
      "|\\\\u[0-9a-fA-F]{4}|\\\\."
    )
    escapes <- gregexpr(pattern, text, perl = TRUE)
    regmatches(text, escapes) <- list(vapply(regmatches(text, escapes)[[1L]], decode_escape, ""))
    text
  }

  # Parses a request line ["operation", "payload"] or ["operation", null] and returns
  # list(operation, payload), or NULL if the line has another form. Only this form is needed,
  # because base R has no JSON parser.
  request_pattern <- paste0(
    '^\\s*\\[\\s*"([A-Za-z_-]+)"\\s*,',
    '\\s*(null|"((?:[^"\\\\]|\\\\.)*)")\\s*\\]\\s*$'
  )
  parse_request <- function(line) {
    if (!grepl(request_pattern, line, perl = TRUE)) {
      return(NULL)
    }
    operation <- sub(request_pattern, "\\1", line, perl = TRUE)
    payload <- sub(request_pattern, "\\3", line, perl = TRUE)
    Encoding(payload) <- "UTF-8"
    list(operation = operation, payload = json_unescape(payload))
  }

  # Output capture: sink() sends stdout() and stderr() to temporary files, and flush_output()
  # sends what they gained since the last call, stdout first.
  # NOTE: Text written to stdout() and stderr() between two flushes arrives stdout first, whatever
  # order it was written in. Messages and warnings keep their order because they flush.
  capture <- new.env()
  capture$active <- FALSE

  start_capture <- function() {
    capture$stdout_file <- tempfile("stdout-")
    capture$stderr_file <- tempfile("stderr-")
    capture$stdout_con <- file(capture$stdout_file, open = "w", encoding = "UTF-8")
    capture$stderr_con <- file(capture$stderr_file, open = "w", encoding = "UTF-8")
    capture$stdout_sent <- 0
    capture$stderr_sent <- 0
    sink(capture$stdout_con)
    sink(capture$stderr_con, type = "message")
    capture$sink_depth <- sink.number()
    capture$active <- TRUE
  }

  read_new_bytes <- function(path, connection, already_sent) {
    flush(connection)
    size <- file.size(path)
    if (is.na(size) || size <= already_sent) {
      return(list(text = "", size = already_sent))
    }
    reader <- file(path, open = "rb")
    on.exit(close(reader))
    seek(reader, already_sent)
    bytes <- readBin(reader, "raw", n = size - already_sent)
    bytes <- bytes[bytes != as.raw(0L)]
    text <- rawToChar(bytes)
    Encoding(text) <- "UTF-8"
    list(text = text, size = already_sent + length(bytes))
  }

  flush_output <- function() {
    if (!capture$active) {
      return(invisible())
    }
    out <- read_new_bytes(capture$stdout_file, capture$stdout_con, capture$stdout_sent)
    capture$stdout_sent <- out$size
    send_text("stdout", out$text)
    err <- read_new_bytes(capture$stderr_file, capture$stderr_con, capture$stderr_sent)
    capture$stderr_sent <- err$size
    send_text("stderr", err$text)
  }

  # Sends text as stderr after the output written so far.
  send_stderr <- function(text) {
    flush_output()
    send_text("stderr", text)
  }

  stop_capture <- function() {
    flush_output()
    capture$active <- FALSE
    # Also removes sinks that user code opened and left open.
    while (sink.number(type = "message") != 2L) {
      sink(type = "message")
    }
    while (sink.number() > 0L) {
      sink()
    }
    close(capture$stdout_con)
    close(capture$stderr_con)
    unlink(c(capture$stdout_file, capture$stderr_file))
  }

  # The call that evaluate() uses, which is the call of conditions signaled at the top level.
  top_level_call <- quote(eval(expression, envir = globalenv()))

  # Returns the call of a condition as R prints it, or NULL for a condition of the top level.
  condition_call_text <- function(condition) {
    call <- conditionCall(condition)
    if (is.null(call) || identical(call, top_level_call)) {
      return(NULL)
    }
    paste(deparse(call, nlines = 1L), collapse = "")
  }

  format_error <- function(error) {
    call <- condition_call_text(error)
    if (is.null(call)) {
      return(paste0("Error: ", conditionMessage(error), "\n"))
    }
    paste0("Error in ", call, " : ", conditionMessage(error), "\n")
  }

  format_warning <- function(warning) {
    call <- condition_call_text(warning)
    if (is.null(call)) {
      return(paste0("Warning message:\n", conditionMessage(warning), "\n"))
    }
    paste0("Warning message:\nIn ", call, " : ", conditionMessage(warning), "\n")
  }

  exit_condition <- function(status) {
    structure(
      class = c("driver_exit", "condition"),
      list(message = "quit() called", call = NULL, status = status)
    )
  }

  # Evaluates one top-level expression in the global environment and prints its value if
  # visible. Returns NULL to go on with the next expression, or the run's exit code.
  evaluate <- function(expression) {
    tryCatch(
      {
        withCallingHandlers(
          {
            result <- withVisible(eval(expression, envir = globalenv()))
            if (result$visible) {
              print(result$value)
            }
          },
          message = function(condition) {
            send_stderr(conditionMessage(condition))
            invokeRestart("muffleMessage")
          },
          warning = function(condition) {
            send_stderr(format_warning(condition))
            invokeRestart("muffleWarning")
          }
        )
        NULL
      },
      driver_exit = function(condition) condition$status,
      error = function(condition) {
        send_stderr(format_error(condition))
        1L
      },
      interrupt = function(condition) {
        send_stderr("Interrupted by SIGINT\n")
        interrupted_exit_code
      }
    )
  }

  run_count <- 0L

  run_code <- function(source) {
    run_count <<- run_count + 1L
    lines <- strsplit(source, "\n", fixed = TRUE)[[1L]]
    start_capture()
    exit_code <- tryCatch(
      {
        expressions <- parse(
          text = lines,
          srcfile = srcfilecopy(sprintf("<input-%d>", run_count), lines),
          keep.source = FALSE
        )
        code <- 0L
        for (expression in expressions) {
          result <- evaluate(expression)
          flush_output()
          if (!is.null(result)) {
            code <- result
            break
          }
        }
        code
      },
      error = function(condition) {
        # A syntax error, reported before anything runs.
        send_stderr(paste0("Error: ", conditionMessage(condition), "\n"))
        1L
      },
      interrupt = function(condition) {
        send_stderr("Interrupted by SIGINT\n")
        interrupted_exit_code
      }
    )
    stop_capture()
    send_record("finished", sprintf("{\"exitCode\":%d}", as.integer(exit_code)))
  }

  # Runs a shell command with its output in temporary files, and returns the exit status.
  run_shell <- function(command, stdout_file, stderr_file) {
    redirected <- paste0("{ ", command, "\n} >", shQuote(stdout_file), " 2>", shQuote(stderr_file))
    base::system(redirected)
  }

  read_text_file <- function(path) {
    size <- file.size(path)
    if (is.na(size) || size == 0) {
      return("")
    }
    text <- rawToChar(readBin(path, "raw", n = size))
    Encoding(text) <- "UTF-8"
    text
  }

  # Versions of system() and system2() for user code, which send the child's output as records
  # instead of letting it write to the control channel.
  tools <- new.env()

  tools$system <- function(command, intern = FALSE, ignore.stdout = FALSE,
                           ignore.stderr = FALSE, ...) {
    stderr_file <- tempfile("system-stderr-")
    on.exit(unlink(stderr_file), add = TRUE)
    if (intern) {
      output <- base::system(
        paste0("{ ", command, "\n} 2>", shQuote(stderr_file)),
        intern = TRUE, ignore.stdout = ignore.stdout, ...
      )
      if (!ignore.stderr) send_stderr(read_text_file(stderr_file))
      return(output)
    }
    stdout_file <- tempfile("system-stdout-")
    on.exit(unlink(stdout_file), add = TRUE)
    status <- run_shell(command, stdout_file, stderr_file)
    if (!ignore.stdout) cat(read_text_file(stdout_file))
    if (!ignore.stderr) send_stderr(read_text_file(stderr_file))
    invisible(status)
  }

  tools$system2 <- function(command, args = character(), stdout = "", stderr = "", ...) {
    stdout_file <- if (identical(stdout, "")) tempfile("system2-stdout-") else NULL
    stderr_file <- if (identical(stderr, "")) tempfile("system2-stderr-") else NULL
    on.exit(unlink(c(stdout_file, stderr_file)), add = TRUE)
    result <- base::system2(
      command, args,
      stdout = if (is.null(stdout_file)) stdout else stdout_file,
      stderr = if (is.null(stderr_file)) stderr else stderr_file,
      ...
    )
    if (!is.null(stdout_file)) cat(read_text_file(stdout_file))
    if (!is.null(stderr_file)) send_stderr(read_text_file(stderr_file))
    if (isTRUE(stdout) || isTRUE(stderr)) result else invisible(result)
  }

  # Keeps user code from removing the driver's own output sink, which would send output to the
  # control channel.
  tools$sink <- function(file = NULL, append = FALSE, type = c("output", "message"),
                         split = FALSE) {
    type <- match.arg(type)
    if (is.null(file) && type == "output" && capture$active &&
      sink.number() <= capture$sink_depth) {
      warning("no sink to remove")
      return(invisible())
    }
    base::sink(file, append = append, type = type, split = split)
  }

  tools$quit <- function(save = "default", status = 0, runLast = TRUE) {
    stop(exit_condition(as.integer(status)))
  }
  tools$q <- tools$quit

  # Logs a warning if the driver is not a process group leader, because interrupts miss it then.
  check_process_group <- function() {
    stat <- tryCatch(readLines("/proc/self/stat", warn = FALSE), error = function(e) "")
    # The command name in brackets may contain spaces, so the fields are counted after it.
    fields <- strsplit(sub("^.*\\) ", "", stat[1L]), " ", fixed = TRUE)[[1L]]
    process_group <- suppressWarnings(as.integer(fields[3L]))
    if (!identical(process_group, Sys.getpid())) {
      log_line(sprintf(
        paste0(
          "warning: the driver (pid %d) is in process group %s, so the runner cannot ",
          "interrupt it; start it with setsid"
        ),
        Sys.getpid(), process_group
      ))
    }
  }

  # Returns the next request line, NA after an interrupt while waiting, or character(0) once the
  # runner closed the control channel.
  read_request_line <- function() {
    tryCatch(
      readLines(control_in, n = 1L, encoding = "UTF-8", warn = FALSE),
      interrupt = function(condition) NA_character_
    )
  }

  check_process_group()
  attach(tools, name = "backendai:driver", warn.conflicts = FALSE)
  send_record("ready", "null")
  log_line(sprintf("ready (pid %d, %s)", Sys.getpid(), R.version.string))

  repeat {
    line <- read_request_line()
    if (length(line) == 0L) {
      break
    }
    if (is.na(line)) {
      next
    }
    request <- parse_request(line)
    if (is.null(request)) {
      log_line(paste0("ignoring an invalid control line: ", substr(line, 1L, 200L)))
      next
    }
    if (request$operation == "code") {
      run_code(request$payload)
    } else {
      send_text("stderr", sprintf("The r driver does not support '%s' yet.\n", request$operation))
      send_record("finished", "{\"exitCode\":1}")
    }
  }
  log_line("control channel closed, exiting")
  base::quit(save = "no", status = 0L, runLast = FALSE)
})
