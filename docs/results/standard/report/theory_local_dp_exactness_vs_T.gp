# local_dp by construction: exactness vs length — data in theory_local_dp_exactness_vs_T.csv
set datafile separator ','
set title 'local_dp by construction: exactness vs length'
set xlabel 'sequence length T (tokens)'
set ylabel 'fraction of sequences (positions) right'
set key center right box opaque
set grid
set logscale x
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'theory_local_dp_exactness_vs_T.png'
plot 'theory_local_dp_exactness_vs_T.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with linespoints lw 2 title 'SSM ring (m = 6 slots, d_conv 4): generated chain exact', \
     'theory_local_dp_exactness_vs_T.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with points lw 2 title 'SSM ring: teacher-forced exact', \
     'theory_local_dp_exactness_vs_T.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with linespoints lw 2 title 'SSM ring with the SSM switched off: positions right', \
     'theory_local_dp_exactness_vs_T.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with lines lw 2 title 'chance 1/p', \
     'theory_local_dp_exactness_vs_T.csv' skip 1 using 2:($1 == 4 ? $3 : 1/0) with linespoints lw 2 title 'conv-window baseline (K = 12): generated chain exact', \
     'theory_local_dp_exactness_vs_T.csv' skip 1 using 2:($1 == 5 ? $3 : 1/0) with points lw 2 title 'conv-window baseline: teacher-forced exact', \
     'theory_local_dp_exactness_vs_T.csv' skip 1 using 2:($1 == 6 ? $3 : 1/0) with linespoints lw 2 title 'conv-window baseline, prefix at K = 12: generated exact'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'theory_local_dp_exactness_vs_T.svg'
plot 'theory_local_dp_exactness_vs_T.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with linespoints lw 2 title 'SSM ring (m = 6 slots, d_conv 4): generated chain exact', \
     'theory_local_dp_exactness_vs_T.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with points lw 2 title 'SSM ring: teacher-forced exact', \
     'theory_local_dp_exactness_vs_T.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with linespoints lw 2 title 'SSM ring with the SSM switched off: positions right', \
     'theory_local_dp_exactness_vs_T.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with lines lw 2 title 'chance 1/p', \
     'theory_local_dp_exactness_vs_T.csv' skip 1 using 2:($1 == 4 ? $3 : 1/0) with linespoints lw 2 title 'conv-window baseline (K = 12): generated chain exact', \
     'theory_local_dp_exactness_vs_T.csv' skip 1 using 2:($1 == 5 ? $3 : 1/0) with points lw 2 title 'conv-window baseline: teacher-forced exact', \
     'theory_local_dp_exactness_vs_T.csv' skip 1 using 2:($1 == 6 ? $3 : 1/0) with linespoints lw 2 title 'conv-window baseline, prefix at K = 12: generated exact'
unset output
