#pragma once
// qcustomplot.h uses Qt's keywords (signals, slots, emit, foreach), which sfr_ui compiles without
// (QT_NO_KEYWORDS): this defines them for that one header only. Include it instead of
// <qcustomplot.h>.
#define signals Q_SIGNALS
#define slots Q_SLOTS
#define emit Q_EMIT
#define foreach Q_FOREACH
#include <qcustomplot.h>
#undef signals
#undef slots
#undef emit
#undef foreach
