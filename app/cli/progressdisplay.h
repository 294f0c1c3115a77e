// SPDX-License-Identifier: MIT
// qtpyvenv-call's progress on stderr: a bar redrawn in place on a terminal, plain lines otherwise.
#pragma once

#include <QByteArray>
#include <QString>
#include <QTimer>

#include <cstdio>

/*!
 * Shows the progress the call reports, at most a few times a second but always its latest
 * report, and writes the tool's other output around it: on a terminal the bar is erased before
 * any output and drawn again after it, so neither garbles the other.
 */
class ProgressDisplay
{
public:
    //! A bar when stderr is a terminal, else "progress: 3/10 message" lines.
    ProgressDisplay();

    //! The call reported \a done of \a total (negative: unknown), shown now or at the next tick.
    void show(double done, double total, const QString &message);
    //! Writes \a data to \a stream (stdout or stderr) with the bar out of its way.
    void write(FILE *stream, const QByteArray &data);
    //! Writes \a line and a newline to stderr, on a line of its own.
    void writeLine(const QByteArray &line);
    //! Erases the bar, or prints the last report not printed yet; reports after this are ignored.
    void finish();

private:
    void tick();
    void draw();
    void eraseBar();
    QString counts() const; // "3/10 message"
    QByteArray barLine() const;
    QByteArray plainLine() const;

    const bool m_terminal;
    QTimer m_throttle;
    bool m_pending = false;     // the latest report is not on screen (yet)
    bool m_barShown = false;    // the bar is the last thing on stderr's current line
    bool m_atLineStart = true;  // stderr's output ended with a newline
    bool m_finished = false;
    double m_done = 0;
    double m_total = -1;
    QString m_message;
};
