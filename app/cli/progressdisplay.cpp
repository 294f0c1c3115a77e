// SPDX-License-Identifier: MIT
#include "progressdisplay.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include <sys/ioctl.h>
#include <unistd.h>

using namespace std::chrono_literals;

namespace {

// A terminal redraws in place, so it may change often; a log gets a line each time.
constexpr auto TerminalInterval = 100ms;
constexpr auto PlainInterval = 250ms;
constexpr int DefaultWidth = 80;
// Back to the line's start and clear it (ANSI EL), which every terminal emulator understands.
constexpr char EraseLine[] = "\r\033[K";

void put(FILE *stream, const QByteArray &data)
{
    std::fwrite(data.constData(), 1, size_t(data.size()), stream);
    std::fflush(stream);
}

int terminalWidth()
{
    winsize size{};
    if (::ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
        return size.ws_col;
    return DefaultWidth;
}

//! A count as Python code gives it: whole numbers without a fraction.
QString count(double value)
{
    if (std::isfinite(value) && value == std::trunc(value) && std::abs(value) < 1e15)
        return QString::number(qint64(value));
    return QString::number(value, 'g', 6);
}

//! The message on one line: control characters (a \r, an escape sequence) would move the cursor.
QString oneLine(const QString &message)
{
    QString line = message;
    for (QChar &c : line) {
        if (c.category() == QChar::Other_Control)
            c = QLatin1Char(' ');
    }
    return line;
}

} // namespace

ProgressDisplay::ProgressDisplay()
    : m_terminal(::isatty(STDERR_FILENO) == 1)
{
    m_throttle.setSingleShot(true);
    m_throttle.setInterval(m_terminal ? TerminalInterval : PlainInterval);
    QObject::connect(&m_throttle, &QTimer::timeout, [this] { tick(); });
}

void ProgressDisplay::show(double done, double total, const QString &message)
{
    if (m_finished)
        return;
    m_done = done;
    m_total = total;
    m_message = oneLine(message);
    m_pending = true;
    if (!m_throttle.isActive())
        tick();
}

void ProgressDisplay::write(FILE *stream, const QByteArray &data)
{
    const bool hadBar = m_barShown;
    eraseBar();
    put(stream, data);
    if (stream == stderr && !data.isEmpty())
        m_atLineStart = data.endsWith('\n');
    if (hadBar && !m_finished) {
        // Drawn again, but within the rate: a print storm must not become a storm of bars.
        m_pending = true;
        if (!m_throttle.isActive())
            tick();
    }
}

void ProgressDisplay::writeLine(const QByteArray &line)
{
    write(stderr, (m_atLineStart ? QByteArray() : QByteArray("\n")) + line + '\n');
}

void ProgressDisplay::finish()
{
    if (m_finished)
        return;
    m_throttle.stop();
    if (m_terminal)
        eraseBar();
    else if (m_pending)
        draw();
    m_pending = false;
    m_finished = true;
}

void ProgressDisplay::tick()
{
    if (!m_pending)
        return; // nothing new: the next report is drawn at once
    draw();
    m_throttle.start();
}

void ProgressDisplay::draw()
{
    if (!m_terminal) {
        put(stderr, (m_atLineStart ? QByteArray() : QByteArray("\n")) + plainLine() + '\n');
        m_atLineStart = true;
        m_pending = false;
        return;
    }
    // Behind a line the worker has not finished the bar would be wiped with it: it waits.
    if (!m_atLineStart)
        return;
    put(stderr, EraseLine + barLine());
    m_barShown = true;
    m_pending = false;
}

void ProgressDisplay::eraseBar()
{
    if (!m_barShown)
        return;
    put(stderr, EraseLine);
    m_barShown = false;
}

QString ProgressDisplay::counts() const
{
    QString text = count(m_done);
    if (m_total >= 0)
        text += QLatin1Char('/') + count(m_total);
    if (!m_message.isEmpty())
        text += QLatin1Char(' ') + m_message;
    return text;
}

QByteArray ProgressDisplay::barLine() const
{
    // One column short of the width: text in the last column makes some terminals wrap.
    const int width = terminalWidth() - 1;
    QString line;
    if (m_total > 0) {
        const double percent = std::clamp(m_done * 100 / m_total, 0.0, 100.0);
        const int barWidth = std::clamp(width / 4, 10, 30);
        const int filled = int(percent * barWidth / 100);
        line = QStringLiteral("%1% [%2%3] ")
                   .arg(int(percent), 3)
                   .arg(QString(filled, QLatin1Char('#')), QString(barWidth - filled, QLatin1Char(' ')));
    }
    line += counts();
    return line.left(std::max(width, 0)).toUtf8();
}

QByteArray ProgressDisplay::plainLine() const
{
    return "progress: " + counts().toUtf8();
}
